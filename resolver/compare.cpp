#include "resolver/compare.hpp"

#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "resolver/compare_parts.hpp"
#include "resolver/dependency_check.hpp"
#include "resolver/name.hpp"
#include "resolver/specifier.hpp"
#include "resolver/version.hpp"
#include "resolver/wheel_compat.hpp"

namespace envlock::resolver {

namespace detail {

void add_finding(std::vector<Finding>& out, Action action, std::string_view category,
                 std::string subject, std::optional<std::string> lock,
                 std::optional<std::string> target, std::string message) {
  const auto severity = severity_of(action);
  if (!severity) return;
  Finding f;
  f.severity = *severity;
  f.category = std::string(category);
  f.subject = std::move(subject);
  f.lock = std::move(lock);
  f.target = std::move(target);
  f.message = std::move(message);
  out.push_back(std::move(f));
}

namespace {

// Splits off the leading run of digits of one component; leading zeros
// dropped so that "04" equals "4".
std::pair<std::string_view, std::string_view> split_component(std::string_view c) {
  std::size_t digits = 0;
  while (digits < c.size() && c[digits] >= '0' && c[digits] <= '9') ++digits;
  std::string_view number = c.substr(0, digits);
  while (number.size() > 1 && number.front() == '0') number.remove_prefix(1);
  if (number == "0") number = {};
  return {number, c.substr(digits)};
}

std::string_view next_component(std::string_view& s) {
  const auto dot = s.find('.');
  std::string_view head = s.substr(0, dot);
  s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  return head;
}

}  // namespace

int compare_dotted(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    const auto [na, ra] = split_component(next_component(a));
    const auto [nb, rb] = split_component(next_component(b));
    if (na.size() != nb.size()) return na.size() < nb.size() ? -1 : 1;
    if (const int c = na.compare(nb); c != 0) return c < 0 ? -1 : 1;
    if (const int c = ra.compare(rb); c != 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

std::string site_key(const lockfile::Fingerprint& fp, const std::string& location) {
  if (fp.python && !fp.python->prefix.empty() && fp.python->prefix != "/") {
    const std::string& prefix = fp.python->prefix;
    if (location == prefix) return "$prefix";
    if (location.size() > prefix.size() && location.starts_with(prefix) &&
        location[prefix.size()] == '/') {
      return "$prefix" + location.substr(prefix.size());
    }
  }
  return location;
}

}  // namespace detail

namespace {

using detail::add_finding;
using detail::site_key;
using lockfile::Fingerprint;
using lockfile::Package;

// The first component(s) of a Python version: "3.11.7" at kMinor -> "3.11".
std::string version_prefix(std::string_view version, VersionMatch match) {
  const std::size_t parts = match == VersionMatch::kMajor ? 1 : 2;
  std::size_t end = 0;
  for (std::size_t i = 0; i < parts && end != std::string_view::npos; ++i) {
    end = version.find('.', i == 0 ? 0 : end + 1);
  }
  return std::string(version.substr(0, end));
}

void compare_python(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                    std::vector<Finding>& out) {
  if (!lock.python || !target.python) return;
  const auto& l = *lock.python;
  const auto& t = *target.python;
  const Action changed = policy.python_changed;
  if (!l.implementation.empty() && !t.implementation.empty() &&
      l.implementation != t.implementation) {
    add_finding(out, changed, "python", "implementation", l.implementation, t.implementation,
                "python implementation " + l.implementation + " -> " + t.implementation);
  }
  bool version_reported = false;
  if (!l.version.empty() && !t.version.empty() && !versions_equal(l.version, t.version)) {
    const VersionMatch level = policy.python_version;
    bool beyond = false;
    if (level == VersionMatch::kExact) {
      beyond = true;
    } else if (level != VersionMatch::kIgnore) {
      beyond = version_prefix(l.version, level) != version_prefix(t.version, level);
    }
    std::string message = "python " + l.version + " -> " + t.version;
    if (beyond) {
      message += " (policy python.version = " + std::string(to_string(level)) + ")";
      version_reported = severity_of(changed).has_value();
    } else {
      message += level == VersionMatch::kIgnore
                     ? " (python.version = ignore)"
                     : " (same " + std::string(to_string(level)) + " version)";
    }
    add_finding(out, beyond ? changed : Action::kInfo, "python", "version", l.version, t.version,
                std::move(message));
  }
  // An ABI change within the same minor version (a debug or free-threaded
  // build) breaks binary wheels; across minor versions it is implied by the
  // version finding and would only repeat it.
  const bool same_minor = version_prefix(l.version, VersionMatch::kMinor) ==
                          version_prefix(t.version, VersionMatch::kMinor);
  if (!l.abi.empty() && !t.abi.empty() && l.abi != t.abi && !version_reported && same_minor) {
    add_finding(out, changed, "python", "abi", l.abi, t.abi,
                "python ABI " + l.abi + " -> " + t.abi);
  }
  if (!l.platform.empty() && !t.platform.empty() && l.platform != t.platform) {
    add_finding(out, changed, "python", "platform", l.platform, t.platform,
                "python platform " + l.platform + " -> " + t.platform);
  }
}

// Normalized name -> the copy Python imports (the first one not shadowed).
std::map<std::string, const Package*> effective_packages(const Fingerprint& fp) {
  std::map<std::string, const Package*> out;
  for (const Package& p : fp.packages) {
    auto [it, fresh] = out.emplace(normalize_name(p.name), &p);
    if (!fresh && it->second->shadowed && !p.shadowed) it->second = &p;
  }
  return out;
}

// package-duplicate: two metadata copies of one name in one directory (a
// failed upgrade, a dist-info next to an egg-info). Python takes the first
// in directory order, which the filesystem decides: the scan followed it on
// a live tree and took name order in an image, where it cannot know. Not
// lowered when the lock has it too: the lock cannot vouch for which copy
// loads on the target's filesystem.
void compare_duplicates(const Fingerprint& target, const Policy& policy,
                        std::vector<Finding>& out) {
  if (!severity_of(policy.packages_duplicate)) return;
  std::map<std::pair<std::string, std::string>, std::vector<const Package*>> copies;
  for (const Package& p : target.packages) {
    copies[{normalize_name(p.name), p.location}].push_back(&p);
  }
  for (const auto& [key, list] : copies) {
    const auto& [name, location] = key;
    if (list.size() < 2 || policy.ignore.count(name) != 0) continue;
    const Package* taken = list.front();
    for (const Package* p : list) {
      if (!p->shadowed) {
        taken = p;
        break;
      }
    }
    std::string versions;
    for (const Package* p : list) {
      if (!versions.empty()) versions += ", ";
      versions += p->version + (p->format.empty() ? "" : " (" + p->format + ")");
    }
    add_finding(out, policy.packages_duplicate, "package-duplicate", name, std::nullopt,
                taken->version,
                name + " has " + std::to_string(list.size()) + " metadata copies in " + location +
                    ": " + versions + "; Python loads the first in directory order, which the " +
                    "filesystem decides (this scan took " + taken->version + ")");
  }
}

// A fingerprint taken without --fast read every listed file; one taken with
// it knows only the file lists. Locks written before [scan] existed were
// compared on `digest` alone, as full scans are.
bool read_contents(const Fingerprint& fp) { return !fp.scan || fp.scan->mode != "fast"; }

void package_content(const Package& l, const Package& t, bool both_read, const Policy& policy,
                     std::vector<Finding>& out) {
  const std::string name = normalize_name(t.name);
  const std::string what = name + " " + t.version;
  // Content digests mean the same thing only when both sides read the
  // content; otherwise the file lists as written are what both know (a file
  // that already differed from its RECORD gives another digest per mode).
  const bool by_list = !both_read && !l.files.listed.empty() && !t.files.listed.empty();
  const std::string& ld = by_list ? l.files.listed : l.files.digest;
  const std::string& td = by_list ? t.files.listed : t.files.digest;
  if (!l.direct_hash.empty() && !t.direct_hash.empty() && l.direct_hash != t.direct_hash) {
    add_finding(out, policy.packages_changed, "package-changed", name, l.direct_hash,
                t.direct_hash, what + " was installed from another source revision");
  } else if (!l.build.empty() && !t.build.empty() && l.build != t.build) {
    // conda: the same version built another way (another BLAS, CUDA or Python).
    add_finding(out, policy.packages_changed, "package-changed", name, l.build, t.build,
                what + " is another conda build (" + l.build + " -> " + t.build + ")");
  } else if (by_list && ld != td) {
    add_finding(out, policy.packages_changed, "package-changed", name, ld, td,
                what + ": its file list differs from the lock");
  } else if (!by_list && !ld.empty() && !td.empty() && ld != td) {
    add_finding(out, policy.packages_changed, "package-changed", name, l.files.digest,
                t.files.digest, what + ": installed files differ from the lock");
  } else if (!l.metadata.empty() && !t.metadata.empty() && l.metadata != t.metadata) {
    add_finding(out, policy.packages_changed, "package-changed", name, l.metadata, t.metadata,
                what + ": METADATA differs from the lock");
  }
}

void compare_packages(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                      std::vector<Finding>& out) {
  const auto locked = effective_packages(lock);
  const auto installed = effective_packages(target);
  const bool both_read = read_contents(lock) && read_contents(target);
  auto l = locked.begin();
  auto t = installed.begin();
  // Both maps are sorted by name: one merge walk.
  while (l != locked.end() || t != installed.end()) {
    const bool take_lock = t == installed.end() || (l != locked.end() && l->first <= t->first);
    const bool take_target = l == locked.end() || (t != installed.end() && t->first <= l->first);
    const std::string& name = take_lock ? l->first : t->first;
    if (policy.ignore.count(name) != 0) {
      // skip
    } else if (take_lock && take_target) {
      const Package& lp = *l->second;
      const Package& tp = *t->second;
      // Identical strings are the common case and need no PEP 440 parse.
      if (lp.version != tp.version && !versions_equal(lp.version, tp.version)) {
        std::string message = name + " " + lp.version + " -> " + tp.version;
        Action action = policy.packages_changed;
        if (auto allow = policy.allow.find(name);
            allow != policy.allow.end() && contains(allow->second, tp.version, true)) {
          action = Action::kInfo;
          const auto text = policy.allow_text.find(name);
          message += " (allowed by " +
                     (text != policy.allow_text.end() ? text->second : to_string(allow->second)) +
                     ")";
        }
        add_finding(out, action, "package-changed", name, lp.version, tp.version,
                    std::move(message));
      } else {
        package_content(lp, tp, both_read, policy, out);
      }
    } else if (take_lock) {
      const Package& lp = *l->second;
      add_finding(out, policy.packages_missing, "package-missing", name, lp.version,
                  std::nullopt, name + " " + lp.version + " is locked but not installed");
    } else {
      const Package& tp = *t->second;
      add_finding(out, policy.packages_extra, "package-extra", name, std::nullopt, tp.version,
                  name + " " + tp.version + " is installed but not locked");
    }
    if (take_lock) ++l;
    if (take_target) ++t;
  }
}

std::optional<std::string> non_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

void compare_files(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                   std::vector<Finding>& out) {
  // What the lock already had was part of the validated environment: the
  // same problem at the same site-relative path with the same content (a
  // recorded drop-in vouches for those bytes only, not for whatever is put
  // at its path later).
  using Key = std::tuple<std::string, std::string_view, std::string_view, std::string_view>;
  std::set<Key> in_lock;
  const bool lock_read = read_contents(lock);
  for (const auto& p : lock.integrity) {
    in_lock.emplace(site_key(lock, p.location), p.path, p.problem, p.actual);
  }

  // conda packages' file lists are their conda-meta records, not RECORD.
  std::set<std::string> from_conda;
  for (const auto& pkg : target.packages) {
    if (pkg.installer == "conda" && (!pkg.build.empty() || pkg.format == "conda")) from_conda.insert(pkg.name);
  }
  for (const auto& p : target.integrity) {
    const std::string owner = p.package.empty() ? "" : " (" + p.package + ")";
    const char* list = from_conda.count(p.package) != 0 ? "conda-meta record" : "RECORD";
    Action action = policy.files_modified;
    std::string message;
    std::string subject = p.path;
    bool known = true;  // may be matched against the lock
    if (p.problem == "modified") {
      message = p.path + owner + " differs from its " + list;
    } else if (p.problem == "deleted") {
      message = p.path + owner + " is listed in " + list + " but missing";
    } else if (p.problem == "unowned") {
      message = p.path + " is in a package directory but no RECORD lists it";
    } else if (p.problem == "bytecode") {
      action = policy.files_bytecode;
      message = p.path + " is a byte-code cache no RECORD lists";
    } else if (p.problem == "unverifiable") {
      action = policy.files_unverifiable;
      if (subject.empty()) subject = p.package;
      message = "integrity could not be checked for " +
                (p.package.empty() ? p.path : p.package) + ": " +
                (p.detail.empty() ? "no RECORD or file list" : p.detail);
    } else if (p.problem == "incomplete") {
      // Whatever the lock says, an incomplete search vouches for nothing
      // past the point where it stopped.
      action = policy.files_incomplete;
      known = false;
      message = "integrity scan incomplete at " + p.path + ": " +
                (p.detail.empty() ? "a limit was reached" : p.detail);
    } else {
      message = p.path + owner + ": " + p.problem;
    }
    if (known && severity_of(action) &&
        in_lock.count({site_key(target, p.location), p.path, p.problem, p.actual}) != 0) {
      action = Action::kInfo;
      message += " (also in the lock)";
    } else if (known && !lock_read && action == Action::kBlock) {
      // A --fast lock never compared the disk with the file lists, so it
      // cannot say whether this was already so when it was taken: an
      // unchanged environment must not be blocked for it. Lock without --fast
      // to gate on content.
      action = Action::kWarn;
      message += " (the lock was taken with --fast and cannot vouch for file contents)";
    }
    add_finding(out, action, "file-modified", std::move(subject), non_empty(p.expected),
                non_empty(p.actual), std::move(message));
  }
}

// metadata-invalid: a package whose Requires-Dist has a line that is not
// PEP 508; pip check, and so dependency-broken, checks none of its lines.
void report_invalid(const Fingerprint& lock, const std::vector<InvalidRequirement>& invalid,
                    const Policy& policy, std::vector<Finding>& out) {
  if (invalid.empty() || !severity_of(policy.packages_invalid)) return;
  std::set<std::string> names;
  for (const auto& i : invalid) names.insert(normalize_name(i.package->name));
  std::vector<InvalidRequirement> in_lock;
  broken_dependencies(lock, &names, &in_lock);
  std::set<std::pair<std::string, std::string_view>> known;  // name, line
  for (const auto& i : in_lock) known.emplace(normalize_name(i.package->name), i.line);
  for (const auto& i : invalid) {
    const std::string name = normalize_name(i.package->name);
    if (policy.ignore.count(name) != 0) continue;
    Action action = policy.packages_invalid;
    std::string message = name + " " + i.package->version + ": Requires-Dist '" + i.line +
                          "' is not valid PEP 508; none of its requirements are checked";
    if (known.count({name, i.line}) != 0) {
      action = Action::kInfo;
      message += " (also in the lock)";
    }
    add_finding(out, action, "metadata-invalid", name, std::nullopt, i.line, std::move(message));
  }
}

void compare_dependencies(const Fingerprint& lock, const Fingerprint& target,
                          const Policy& policy, std::vector<Finding>& out) {
  if (!severity_of(policy.packages_broken) && !severity_of(policy.packages_invalid)) return;
  std::vector<InvalidRequirement> invalid;
  const auto broken = broken_dependencies(target, nullptr, &invalid);
  report_invalid(lock, invalid, policy, out);
  if (broken.empty() || !severity_of(policy.packages_broken)) return;
  // Only the packages broken in the target need a look in the lock.
  std::set<std::string> requiring;
  for (const auto& b : broken) requiring.insert(normalize_name(b.package->name));
  std::set<std::pair<std::string, std::string>> broken_in_lock;
  for (const auto& b : broken_dependencies(lock, &requiring)) {
    broken_in_lock.emplace(normalize_name(b.package->name), b.requirement);
  }
  const auto locked = effective_packages(lock);
  for (const auto& b : broken) {
    const std::string name = normalize_name(b.package->name);
    if (policy.ignore.count(name) != 0) continue;
    Action action = policy.packages_broken;
    std::string message = describe(b);
    if (broken_in_lock.count({name, b.requirement}) != 0) {
      action = Action::kInfo;
      message += " (also in the lock)";
    }
    std::optional<std::string> lock_version;
    if (auto it = locked.find(b.dependency); it != locked.end()) {
      lock_version = it->second->version;
    }
    std::optional<std::string> target_version;
    if (b.installed != nullptr) target_version = b.installed->version;
    const auto before = out.size();
    add_finding(out, action, "dependency-broken", name, std::move(lock_version),
                std::move(target_version), std::move(message));
    if (out.size() != before) out.back().requirement = b.requirement;
  }
}

void compare_wheels(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                    std::vector<Finding>& out) {
  if (!severity_of(policy.wheel_incompatible)) return;
  const auto incompatible = incompatible_wheels(target);
  if (incompatible.empty()) return;
  std::set<std::pair<std::string, std::string>> in_lock;  // name, version
  for (const auto& w : incompatible_wheels(lock)) {
    in_lock.emplace(normalize_name(w.package->name), w.package->version);
  }
  for (const auto& w : incompatible) {
    const std::string name = normalize_name(w.package->name);
    if (policy.ignore.count(name) != 0) continue;
    Action action = policy.wheel_incompatible;
    std::string message = describe(w);
    if (in_lock.count({name, w.package->version}) != 0) {
      action = Action::kInfo;
      message += " (also in the lock)";
    }
    add_finding(out, action, "wheel-incompatible", name, std::nullopt,
                join_tags(w.package->wheel_tags), std::move(message));
  }
}

}  // namespace

Report compare(const Fingerprint& lock, const Fingerprint& target, const Policy& policy) {
  Report report;
  auto& out = report.findings;
  compare_python(lock, target, policy, out);
  compare_packages(lock, target, policy, out);
  compare_duplicates(target, policy, out);
  compare_dependencies(lock, target, policy, out);
  compare_wheels(lock, target, policy, out);
  compare_files(lock, target, policy, out);
  detail::compare_site_entries(lock, target, policy, out);
  detail::compare_code(lock, target, policy, out);
  detail::compare_native(lock, target, policy, out);
  detail::compare_host(lock, target, policy, out);
  sort_findings(out);
  return report;
}

}  // namespace envlock::resolver
