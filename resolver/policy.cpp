#include "resolver/policy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <tuple>
#include <vector>

#include <toml++/toml.h>

#include "base/regular_file.hpp"
#include "lockfile/toml_codec.hpp"
#include "lockfile/value_budget.hpp"
#include "resolver/name.hpp"

namespace envlock::resolver {

std::optional<Severity> severity_of(Action action) {
  switch (action) {
    case Action::kBlock: return Severity::kBlock;
    case Action::kWarn: return Severity::kWarn;
    case Action::kInfo: return Severity::kInfo;
    case Action::kIgnore: return std::nullopt;
  }
  return std::nullopt;
}

std::string_view to_string(VersionMatch match) {
  switch (match) {
    case VersionMatch::kExact: return "exact";
    case VersionMatch::kMinor: return "minor";
    case VersionMatch::kMajor: return "major";
    case VersionMatch::kIgnore: return "ignore";
  }
  return "ignore";
}

std::set<std::string> default_ignored_cpu_flags() {
  return {
      // virtualization and its extensions: the host's business, not the program's
      "hypervisor", "vmx", "svm", "ept", "ept_ad", "vpid", "flexpriority", "tpr_shadow", "vnmi",
      "vmmcall", "npt", "lbrv", "svm_lock", "nrip_save", "tsc_scale", "vmcb_clean", "flushbyasid",
      "decodeassists", "pausefilter", "pfthreshold", "v_vmsave_vmload", "vgif", "v_spec_ctrl",
      "avic", "x2avic", "sme", "sev", "sev_es", "sev_snp",
      // time stamp counter and timers
      "constant_tsc", "nonstop_tsc", "tsc_known_freq", "tsc_reliable", "tsc_adjust",
      "tsc_deadline_timer", "arat",
      // kernel-internal and topology enumeration
      "rep_good", "nopl", "xtopology", "cpuid", "cpuid_fault", "extd_apicid", "nodeid_msr",
      "topoext", "x2apic", "pcid", "invpcid", "invpcid_single", "pti", "split_lock_detect",
      "bus_lock_detect", "ppin", "amd_ppin", "ibt", "user_shstk",
      // power and thermal management
      "aperfmperf", "est", "tm", "tm2", "acpi", "ida", "dtherm", "pln", "pts", "epb", "hwp",
      "hwp_notify", "hwp_act_window", "hwp_epp", "hwp_pkg_req", "cpb", "hw_pstate",
      "proc_feedback",
      // performance monitoring and tracing
      "arch_perfmon", "pebs", "bts", "ds_cpl", "dtes64", "pdcm", "xtpr", "intel_pt",
      "perfctr_core", "perfctr_nb", "perfctr_llc", "cqm", "cqm_llc", "cqm_occup_llc",
      "cqm_mbm_total", "cqm_mbm_local", "rdt_a", "cat_l3", "cdp_l3", "mba", "ibs",
      // speculation mitigations (microcode and hypervisor dependent)
      "ibrs", "ibpb", "stibp", "ibrs_enhanced", "ssbd", "amd_ssbd", "virt_ssbd", "md_clear",
      "flush_l1d", "arch_capabilities", "spec_ctrl", "intel_stibp", "amd_stibp",
      "overflow_recov", "succor", "smca",
  };
}

Policy default_policy() { return Policy{}; }

namespace {

// One problem found while validating; the earliest in the file is reported.
struct Problem {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string message;
};

struct ActionKey {
  std::string_view section;
  std::string_view key;
  Action Policy::*field;
};

constexpr std::array kActionKeys{
    ActionKey{"python", "changed", &Policy::python_changed},
    ActionKey{"packages", "changed", &Policy::packages_changed},
    ActionKey{"packages", "missing", &Policy::packages_missing},
    ActionKey{"packages", "extra", &Policy::packages_extra},
    ActionKey{"packages", "broken", &Policy::packages_broken},
    ActionKey{"packages", "incompatible", &Policy::wheel_incompatible},
    ActionKey{"packages", "invalid", &Policy::packages_invalid},
    ActionKey{"packages", "duplicate", &Policy::packages_duplicate},
    ActionKey{"files", "modified", &Policy::files_modified},
    ActionKey{"files", "bytecode", &Policy::files_bytecode},
    ActionKey{"files", "unverifiable", &Policy::files_unverifiable},
    ActionKey{"files", "incomplete", &Policy::files_incomplete},
    ActionKey{"files", "startup", &Policy::files_startup},
    ActionKey{"files", "toplevel", &Policy::files_toplevel},
    ActionKey{"files", "new-bytecode", &Policy::files_new_bytecode},
    ActionKey{"native", "missing", &Policy::native_missing},
    ActionKey{"native", "changed", &Policy::native_changed},
    ActionKey{"native", "glibc", &Policy::glibc},
    ActionKey{"native", "cuda", &Policy::cuda_changed},
    ActionKey{"os", "changed", &Policy::os_changed},
    ActionKey{"os", "arch", &Policy::os_arch},
    ActionKey{"os", "kernel", &Policy::os_kernel},
    ActionKey{"hardware", "cpu-flags", &Policy::cpu_flags},
    ActionKey{"hardware", "cpu", &Policy::cpu_changed},
    ActionKey{"hardware", "gpu", &Policy::gpu},
    ActionKey{"hardware", "gpu-driver", &Policy::gpu_driver},
    ActionKey{"env", "changed", &Policy::env_changed},
};

// Keys that are not actions, handled one by one below.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kOtherKeys{{
    {"python", "version"},
    {"packages", "ignore"},
    {"packages", "allow"},
    {"hardware", "ignore-cpu-flags"},
    {"env", "ignore"},
}};

constexpr std::array<std::string_view, 7> kSections{"python", "packages", "files", "native",
                                                    "os", "hardware", "env"};

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// PEP 508 names: ASCII letters and digits, with '.', '-', '_' inside.
bool valid_package_name(std::string_view name) {
  if (name.empty() || !is_alnum(name.front()) || !is_alnum(name.back())) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != '.' && c != '-' && c != '_') return false;
  }
  return true;
}

// An environment variable name, optionally ending in '*' to match a prefix.
bool valid_env_pattern(std::string_view name) {
  if (!name.empty() && name.back() == '*') name.remove_suffix(1);
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != '_') return false;
  }
  return true;
}

class Validator {
 public:
  Validator(std::string_view source, Policy& policy) : source_(source), policy_(policy) {}

  void run(const toml::table& root) {
    for (auto&& [key, node] : root) {
      const std::string name(key.str());
      bool known = false;
      for (auto section : kSections) known = known || section == name;
      if (!known) {
        unknown(key, name);
        continue;
      }
      const toml::table* table = node.as_table();
      if (table == nullptr) {
        report(node.source(), name + ": expected a table");
        continue;
      }
      section(name, *table);
    }
  }

  std::optional<Problem> first_problem() const {
    if (problems_.empty()) return std::nullopt;
    const Problem* best = &problems_.front();
    for (const Problem& p : problems_) {
      if (std::tie(p.line, p.column) < std::tie(best->line, best->column)) best = &p;
    }
    return *best;
  }

 private:
  void section(const std::string& section_name, const toml::table& table) {
    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      const std::string path = section_name + "." + name;
      bool handled = false;
      for (const ActionKey& k : kActionKeys) {
        if (k.section == section_name && k.key == name) {
          action(path, node, policy_.*(k.field));
          handled = true;
        }
      }
      for (const auto& [s, k] : kOtherKeys) {
        if (s == section_name && k == name) {
          other(path, node);
          handled = true;
        }
      }
      if (!handled) unknown(key, path);
    }
  }

  void other(const std::string& path, const toml::node& node) {
    if (path == "python.version") {
      version_match(path, node);
    } else if (path == "packages.ignore") {
      if (auto names = strings(path, node)) {
        policy_.ignore.clear();
        for (const auto& [name, line] : *names) {
          if (!valid_package_name(name)) {
            report_line(line, path + ": invalid package name '" + name + "'");
            continue;
          }
          policy_.ignore.insert(normalize_name(name));
        }
      }
    } else if (path == "packages.allow") {
      allow(path, node);
    } else if (path == "hardware.ignore-cpu-flags") {
      if (auto flags = strings(path, node)) {
        policy_.ignore_cpu_flags.clear();
        for (const auto& [flag, line] : *flags) policy_.ignore_cpu_flags.insert(flag);
      }
    } else if (path == "env.ignore") {
      if (auto names = strings(path, node)) {
        policy_.env_ignore.clear();
        for (const auto& [name, line] : *names) {
          if (!valid_env_pattern(name)) {
            report_line(line, path + ": invalid variable name '" + name + "'");
            continue;
          }
          policy_.env_ignore.insert(name);
        }
      }
    }
  }

  void action(const std::string& path, const toml::node& node, Action& out) {
    const auto* value = node.as_string();
    if (value == nullptr) {
      report(node.source(), path + ": expected a string");
      return;
    }
    const std::string& word = value->get();
    if (word == "block") out = Action::kBlock;
    else if (word == "warn") out = Action::kWarn;
    else if (word == "info") out = Action::kInfo;
    else if (word == "ignore") out = Action::kIgnore;
    else report(node.source(), path + ": expected block, warn, info or ignore, got '" + word + "'");
  }

  void version_match(const std::string& path, const toml::node& node) {
    const auto* value = node.as_string();
    if (value == nullptr) {
      report(node.source(), path + ": expected a string");
      return;
    }
    const std::string& word = value->get();
    if (word == "exact") policy_.python_version = VersionMatch::kExact;
    else if (word == "minor") policy_.python_version = VersionMatch::kMinor;
    else if (word == "major") policy_.python_version = VersionMatch::kMajor;
    else if (word == "ignore") policy_.python_version = VersionMatch::kIgnore;
    else report(node.source(), path + ": expected exact, minor, major or ignore, got '" + word + "'");
  }

  // An array of strings, each with its line; nullopt (and a problem) otherwise.
  std::optional<std::vector<std::pair<std::string, std::uint32_t>>> strings(
      const std::string& path, const toml::node& node) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      report(node.source(), path + ": expected an array of strings");
      return std::nullopt;
    }
    std::vector<std::pair<std::string, std::uint32_t>> out;
    for (const toml::node& item : *array) {
      const auto* value = item.as_string();
      if (value == nullptr) {
        report(item.source(), path + ": expected an array of strings");
        return std::nullopt;
      }
      out.emplace_back(value->get(), line_of(item.source(), node.source()));
    }
    return out;
  }

  void allow(const std::string& path, const toml::node& node) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      report(node.source(), path + ": expected a table");
      return;
    }
    std::map<std::string, std::string> raw_of;  // normalized -> name as written
    for (auto&& [key, value] : *table) {
      const std::string name(key.str());
      const std::string item_path = path + "." + name;
      if (!valid_package_name(name)) {
        report(key.source(), path + ": invalid package name '" + name + "'");
        continue;
      }
      const auto* text = value.as_string();
      if (text == nullptr) {
        report(value.source(), item_path + ": expected a string");
        continue;
      }
      const std::string normalized = normalize_name(name);
      if (auto [it, fresh] = raw_of.emplace(normalized, name); !fresh) {
        report(key.source(), item_path + ": names the same package as '" + it->second + "'");
        continue;
      }
      auto spec = parse_specifier_set(text->get());
      if (!spec) {
        report(value.source(), item_path + ": " + spec.error().message);
        continue;
      }
      policy_.allow.insert_or_assign(normalized, std::move(*spec));
      policy_.allow_text.insert_or_assign(normalized, text->get());
    }
  }

  static std::uint32_t line_of(const toml::source_region& region,
                               const toml::source_region& fallback) {
    return region.begin.line != 0 ? region.begin.line : fallback.begin.line;
  }

  void unknown(const toml::key& key, const std::string& path) {
    report(key.source(), "unknown key '" + path + "'");
  }

  void report(const toml::source_region& where, std::string message) {
    problems_.push_back(Problem{where.begin.line, where.begin.column, std::move(message)});
  }

  void report_line(std::uint32_t line, std::string message) {
    problems_.push_back(Problem{line, 0, std::move(message)});
  }

  std::string_view source_;
  Policy& policy_;
  std::vector<Problem> problems_;
};

}  // namespace

Result<Policy> parse_policy(std::string_view text, std::string_view source) {
  const std::string where(source);
  // The same value budget as a lock, before toml++ builds its tree.
  const std::size_t budget = lockfile::value_budget(text.size());
  if (auto line = lockfile::count_toml_values(text, budget).over_budget_line) {
    return fail(where + ":" + std::to_string(*line) + ": more than " + std::to_string(budget) +
                " values in " + std::to_string(text.size()) + " bytes; a policy holds at most one "
                "value per " + std::to_string(lockfile::kBytesPerValue) + " bytes (or " +
                std::to_string(lockfile::kMinValueBudget) + " in all)");
  }
  if (auto line = lockfile::too_many_key_parts(text)) {
    return fail(where + ":" + std::to_string(*line) + ": a key with more than " +
                std::to_string(lockfile::kMaxKeyParts) + " dotted parts");
  }
  try {
    toml::table root = toml::parse(text, source);
    Policy policy = default_policy();
    Validator validator(source, policy);
    validator.run(root);
    if (auto problem = validator.first_problem()) {
      return fail(where + ":" + std::to_string(problem->line) + ": " + problem->message);
    }
    return policy;
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return fail(where + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                ": " + std::string(e.description()));
  } catch (const std::exception& e) {
    return fail(where + ": " + e.what());
  }
}

Result<Policy> load_policy_file(const std::string& path) {
  auto text = read_regular_file(path, kMaxPolicyBytes);
  if (!text) {
    using Reason = ReadFileError::Reason;
    switch (text.error().reason) {
      case Reason::kStat:
      case Reason::kOpen: return fail(path + ": cannot open: " + std::strerror(text.error().err));
      case Reason::kNotRegular:
      case Reason::kFstat: return fail(path + ": not a regular file");
      case Reason::kRead: return fail(path + ": cannot read: " + std::strerror(text.error().err));
      case Reason::kTooLarge:
      case Reason::kGrewTooLarge:
        return fail(path + ": larger than " + std::to_string(kMaxPolicyBytes) + " bytes");
    }
  }
  return parse_policy(*text, path);
}

}  // namespace envlock::resolver
