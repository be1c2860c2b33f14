// os, cpu-flag, cpu, gpu and env findings: the machine around the packages
// ("Illegal instruction" on a host without AVX-512, an older GPU driver).

#include <algorithm>
#include <set>
#include <string>

#include "resolver/compare_parts.hpp"

namespace envlock::resolver::detail {

namespace {

using lockfile::Fingerprint;

void compare_os(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                std::vector<Finding>& out) {
  if (!lock.os || !target.os) return;
  const auto& l = *lock.os;
  const auto& t = *target.os;
  const struct {
    std::string_view key;
    const std::string& lock;
    const std::string& target;
    Action action;
  } fields[] = {
      {"arch", l.arch, t.arch, policy.os_arch},
      {"id", l.id, t.id, policy.os_changed},
      {"version-id", l.version_id, t.version_id, policy.os_changed},
      {"glibc", l.glibc, t.glibc, policy.os_changed},
      {"libstdc++", l.libstdcxx, t.libstdcxx, policy.os_changed},
      {"kernel", l.kernel, t.kernel, policy.os_kernel},
  };
  for (const auto& f : fields) {
    if (f.lock.empty() || f.target.empty() || f.lock == f.target) continue;
    add_finding(out, f.action, "os", std::string(f.key), f.lock, f.target,
                "os " + std::string(f.key) + " " + f.lock + " -> " + f.target);
  }
}

void compare_cpu(const lockfile::Cpu& l, const lockfile::Cpu& t, const Policy& policy,
                 std::vector<Finding>& out) {
  if (!l.flags.empty() && !t.flags.empty()) {
    const std::set<std::string_view> have(t.flags.begin(), t.flags.end());
    std::set<std::string_view> reported;
    for (const auto& flag : l.flags) {
      if (have.count(flag) != 0 || policy.ignore_cpu_flags.count(flag) != 0) continue;
      if (!reported.insert(flag).second) continue;
      add_finding(out, policy.cpu_flags, "cpu-flag", flag, flag, std::nullopt,
                  "the target CPU lacks " + flag);
    }
  }
  const std::string lock_cpu = l.vendor + (l.model.empty() ? "" : " " + l.model);
  const std::string target_cpu = t.vendor + (t.model.empty() ? "" : " " + t.model);
  if (!l.model.empty() && !t.model.empty() && lock_cpu != target_cpu) {
    add_finding(out, policy.cpu_changed, "cpu", "model", l.model, t.model,
                "cpu " + l.model + " -> " + t.model);
  }
}

std::string gpus(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " GPU" : " GPUs");
}

// The driver is one per host; the first GPU that reports one speaks for it.
std::string driver_of(const std::vector<lockfile::Gpu>& gpus) {
  for (const auto& g : gpus) {
    if (!g.driver.empty()) return g.driver;
  }
  return "";
}

void compare_gpus(const std::vector<lockfile::Gpu>& l, const std::vector<lockfile::Gpu>& t,
                  const Policy& policy, std::vector<Finding>& out) {
  if (l.size() != t.size()) {
    add_finding(out, policy.gpu, "gpu", "count", std::to_string(l.size()),
                std::to_string(t.size()), gpus(l.size()) + " -> " + gpus(t.size()));
  }
  for (std::size_t i = 0; i < std::min(l.size(), t.size()); ++i) {
    const std::string gpu = "gpu" + std::to_string(i);
    if (!l[i].model.empty() && !t[i].model.empty() && l[i].model != t[i].model) {
      add_finding(out, policy.gpu, "gpu", gpu + ".model", l[i].model, t[i].model,
                  gpu + " " + l[i].model + " -> " + t[i].model);
    }
    const auto& lcc = l[i].compute_capability;
    const auto& tcc = t[i].compute_capability;
    if (!lcc.empty() && !tcc.empty() && lcc != tcc) {
      add_finding(out, policy.gpu, "gpu", gpu + ".compute-capability", lcc, tcc,
                  gpu + " compute capability " + lcc + " -> " + tcc);
    }
  }
  const std::string ld = driver_of(l);
  const std::string td = driver_of(t);
  if (ld.empty() || td.empty() || ld == td) return;
  if (compare_dotted(td, ld) < 0) {
    add_finding(out, policy.gpu_driver, "gpu", "driver", ld, td,
                "GPU driver " + ld + " -> " + td + " is older than locked");
  } else {
    add_finding(out, Action::kInfo, "gpu", "driver", ld, td,
                "GPU driver " + ld + " -> " + td + " (newer)");
  }
}

bool env_ignored(const std::string& name, const std::set<std::string>& patterns) {
  for (const auto& p : patterns) {
    if (!p.empty() && p.back() == '*') {
      if (name.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0) return true;
    } else if (p == name) {
      return true;
    }
  }
  return false;
}

void compare_env(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                 std::vector<Finding>& out) {
  // A target that records no environment (an image, a root) is not one that
  // unset every variable.
  if (lock.env.empty() || target.env.empty()) return;
  for (const auto& [name, value] : lock.env) {
    if (env_ignored(name, policy.env_ignore)) continue;
    const auto it = target.env.find(name);
    if (it == target.env.end()) {
      add_finding(out, policy.env_changed, "env", name, value, std::nullopt,
                  name + "=" + value + " is not set in the target");
    } else if (it->second != value) {
      add_finding(out, policy.env_changed, "env", name, value, it->second,
                  name + " " + value + " -> " + it->second);
    }
  }
  for (const auto& [name, value] : target.env) {
    if (lock.env.count(name) != 0 || env_ignored(name, policy.env_ignore)) continue;
    add_finding(out, policy.env_changed, "env", name, std::nullopt, value,
                name + "=" + value + " is set in the target but not in the lock");
  }
}

}  // namespace

void compare_host(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                  std::vector<Finding>& out) {
  compare_os(lock, target, policy, out);
  if (lock.hardware && target.hardware) {
    compare_cpu(lock.hardware->cpu, target.hardware->cpu, policy, out);
    compare_gpus(lock.hardware->gpus, target.hardware->gpus, policy, out);
  }
  compare_env(lock, target, policy, out);
}

}  // namespace envlock::resolver::detail
