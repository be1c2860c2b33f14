// native-missing, native-changed, glibc and cuda findings: the failures no
// package list shows ("libcudnn.so.8: cannot open shared object file",
// "GLIBCXX_3.4.30 not found").

#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "resolver/compare_parts.hpp"
#include "resolver/name.hpp"
#include "resolver/version.hpp"

namespace envlock::resolver::detail {

namespace {

using lockfile::Fingerprint;
using lockfile::Native;
using lockfile::Package;

std::string more(std::size_t others, std::string_view what) {
  if (others == 0) return "";
  return " (and " + std::to_string(others) + " other " + std::string(what) +
         (others == 1 ? "" : "s") + ")";
}

void missing_libraries(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                       std::vector<Finding>& out) {
  // Needed name -> where it resolved in the lock (first object in path order).
  std::unordered_map<std::string, std::string> resolved_in_lock;
  std::set<std::string> needed_in_lock;
  for (const Native& n : lock.native) {
    for (const auto& name : n.needed) needed_in_lock.insert(name);
    for (const auto& [name, path] : n.resolved) {
      if (!path.empty()) resolved_in_lock.emplace(name, path);
    }
  }
  struct Unresolved {
    std::string first_needer;
    std::size_t needers = 0;
  };
  std::map<std::string, Unresolved> unresolved;  // sorted: deterministic output
  for (const Native& n : target.native) {
    for (const auto& name : n.needed) {
      const auto it = n.resolved.find(name);
      if (it != n.resolved.end() && !it->second.empty()) continue;
      auto& u = unresolved[name];
      if (u.needers++ == 0) u.first_needer = n.path;
    }
  }
  for (const auto& [name, u] : unresolved) {
    std::string message = name + " needed by " + u.first_needer +
                          more(u.needers - 1, "object") + " does not resolve in the target";
    const auto lock_path = resolved_in_lock.find(name);
    std::optional<std::string> lock_value;
    Action action = policy.native_missing;
    if (lock_path != resolved_in_lock.end()) {
      lock_value = lock_path->second;
    } else if (needed_in_lock.count(name) != 0) {
      // Never resolved where the environment was validated either: an
      // optional library (libcuda.so.1 on a build host without a GPU).
      action = Action::kInfo;
      message += " (nor in the lock)";
    }
    add_finding(out, action, "native-missing", name, std::move(lock_value), std::nullopt,
                std::move(message));
  }
}

// Normalized name -> the copy Python imports (the first not shadowed): the
// one whose files the native probe looked at.
std::map<std::string, const Package*> imported_packages(const Fingerprint& fp) {
  std::map<std::string, const Package*> out;
  for (const Package& p : fp.packages) {
    auto [it, fresh] = out.emplace(normalize_name(p.name), &p);
    if (!fresh && it->second->shadowed && !p.shadowed) it->second = &p;
  }
  return out;
}

// Where a package's object sits independent of where the environment lives:
// relative to the package's location when below it (a venv validated in
// /home/x/venv and served from /opt/venv), else prefix-relative (site_key).
std::string object_key(const Fingerprint& fp, const Package& owner, const std::string& path) {
  const std::string& site = owner.location;
  if (!site.empty() && path.size() > site.size() + 1 && path.starts_with(site) &&
      path[site.size()] == '/') {
    return path.substr(site.size() + 1);
  }
  return site_key(fp, path);
}

// A package's ELF object the lock has and the target does not, while the
// package itself is there at the same version: the module was deleted (or
// replaced by something that is not ELF). Both scan modes see this the same
// way, since neither keeps an entry for a file it cannot find: an absent
// object has no DT_NEEDED of its own, so nothing else would report it.
void missing_objects(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                     std::vector<Finding>& out) {
  const auto locked = imported_packages(lock);
  const auto installed = imported_packages(target);
  std::set<std::pair<std::string, std::string>> present;  // owner, key
  for (const Native& n : target.native) {
    if (n.owner == "system") continue;
    const auto it = installed.find(normalize_name(n.owner));
    if (it != installed.end()) present.emplace(it->first, object_key(target, *it->second, n.path));
  }
  for (const Native& n : lock.native) {
    if (n.owner == "system") continue;
    const std::string owner = normalize_name(n.owner);
    if (policy.ignore.count(owner) != 0) continue;
    const auto l = locked.find(owner);
    const auto t = installed.find(owner);
    // Another version may ship other objects (package-changed says so); a
    // package without a file list in the target (a requirements file read as
    // a lock) says nothing about its objects.
    if (l == locked.end() || t == installed.end() || t->second->files.count == 0) continue;
    if (l->second->version != t->second->version &&
        !versions_equal(l->second->version, t->second->version)) {
      continue;
    }
    const std::string key = object_key(lock, *l->second, n.path);
    if (present.count({owner, key}) != 0) continue;
    // Named where the target would have it: below the target's location of
    // the package, or its prefix.
    std::string where = n.path;
    if (!l->second->location.empty() && n.path.starts_with(l->second->location + "/")) {
      where = t->second->location + "/" + key;
    } else if (key.starts_with("$prefix/") && target.python && !target.python->prefix.empty()) {
      where = target.python->prefix + key.substr(7);
    }
    add_finding(out, policy.native_missing, "native-missing", where, n.path, std::nullopt,
                where + " (" + owner + " " + t->second->version +
                    ") is a native object in the lock but is absent from the target or no longer ELF");
  }
}

void changed_libraries(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                       std::vector<Finding>& out) {
  std::unordered_map<std::string, std::set<std::string>> lock_hashes;  // soname -> sha256s
  std::unordered_map<std::string, std::string> lock_first;             // soname -> a sha256
  for (const Native& n : lock.native) {
    if (n.soname.empty() || n.sha256.empty()) continue;
    lock_hashes[n.soname].insert(n.sha256);
    lock_first.emplace(n.soname, n.sha256);
  }
  std::map<std::string, const Native*> changed;  // soname -> first target object
  for (const Native& n : target.native) {
    if (n.soname.empty() || n.sha256.empty()) continue;
    const auto it = lock_hashes.find(n.soname);
    if (it == lock_hashes.end() || it->second.count(n.sha256) != 0) continue;
    changed.emplace(n.soname, &n);
  }
  for (const auto& [soname, n] : changed) {
    add_finding(out, policy.native_changed, "native-changed", soname, lock_first.at(soname),
                n->sha256, soname + " has other content than in the lock (" + n->path + ")");
  }
}

std::string strip_prefix(std::string_view s, std::string_view prefix) {
  if (s.rfind(prefix, 0) == 0) s.remove_prefix(prefix.size());
  return std::string(s);
}

// The objects that will run on the target: the target's own, plus the
// lock's package objects the target scan did not see. The lock's system
// libraries are the lock host's; the target brings its own.
std::vector<const Native*> objects_to_run(const Fingerprint& lock, const Fingerprint& target) {
  std::set<std::string_view> seen;
  std::vector<const Native*> out;
  for (const Native& n : target.native) {
    seen.insert(n.path);
    out.push_back(&n);
  }
  for (const Native& n : lock.native) {
    if (n.owner != "system" && seen.count(n.path) == 0) out.push_back(&n);
  }
  return out;
}

struct Need {
  std::string version;  // highest needed above what the target has
  std::string object;   // the first object needing it
  std::size_t objects = 0;  // objects needing more than the target has
};

void record(Need& need, std::string_view version, const std::string& path) {
  ++need.objects;
  if (need.version.empty() || compare_dotted(version, need.version) > 0) {
    need.version = std::string(version);
    need.object = path;
  }
}

void symbol_versions(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                     std::vector<Finding>& out) {
  if (!target.os) return;
  const std::string& glibc = target.os->glibc;
  const std::string glibcxx = strip_prefix(target.os->glibcxx_max, "GLIBCXX_");
  Need need_glibc;
  Need need_glibcxx;
  for (const Native* n : objects_to_run(lock, target)) {
    if (!glibc.empty() && !n->glibc_max.empty() && compare_dotted(n->glibc_max, glibc) > 0) {
      record(need_glibc, n->glibc_max, n->path);
    }
    if (glibcxx.empty()) continue;
    std::string highest;
    for (const auto& v : n->version_needs) {
      if (v.rfind("GLIBCXX_", 0) != 0) continue;
      const std::string number = strip_prefix(v, "GLIBCXX_");
      if (highest.empty() || compare_dotted(number, highest) > 0) highest = number;
    }
    if (!highest.empty() && compare_dotted(highest, glibcxx) > 0) record(need_glibcxx, highest, n->path);
  }
  if (need_glibc.objects > 0) {
    add_finding(out, policy.glibc, "glibc", "GLIBC_" + need_glibc.version, need_glibc.version,
                glibc,
                need_glibc.object + " needs GLIBC_" + need_glibc.version +
                    ", the target has glibc " + glibc +
                    more(need_glibc.objects - 1, "object"));
  }
  if (need_glibcxx.objects > 0) {
    add_finding(out, policy.glibc, "glibc", "GLIBCXX_" + need_glibcxx.version,
                need_glibcxx.version, glibcxx,
                need_glibcxx.object + " needs GLIBCXX_" + need_glibcxx.version +
                    ", the target's libstdc++ has GLIBCXX_" + glibcxx +
                    more(need_glibcxx.objects - 1, "object"));
  }
}

void cuda_libraries(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                    std::vector<Finding>& out) {
  if (lock.cuda.empty() || target.cuda.empty()) return;
  for (const auto& [name, version] : lock.cuda) {
    const auto it = target.cuda.find(name);
    if (it == target.cuda.end()) {
      add_finding(out, policy.cuda_changed, "cuda", name, version, std::nullopt,
                  name + " " + version + " is not in the target");
    } else if (it->second != version) {
      add_finding(out, policy.cuda_changed, "cuda", name, version, it->second,
                  name + " " + version + " -> " + it->second);
    }
  }
  for (const auto& [name, version] : target.cuda) {
    if (lock.cuda.count(name) == 0) {
      add_finding(out, Action::kInfo, "cuda", name, std::nullopt, version,
                  name + " " + version + " is in the target but not in the lock");
    }
  }
}

}  // namespace

void compare_native(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                    std::vector<Finding>& out) {
  if (!lock.native.empty() && !target.native.empty()) {
    missing_libraries(lock, target, policy, out);
    changed_libraries(lock, target, policy, out);
  }
  missing_objects(lock, target, policy, out);
  symbol_versions(lock, target, policy, out);
  cuda_libraries(lock, target, policy, out);
}

}  // namespace envlock::resolver::detail
