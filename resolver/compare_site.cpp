// [[site-entries]]: what sits at the top of the site directories. A start-up
// hook runs at every interpreter start, so a new or changed one blocks by
// default even when a package installed it; other entries no file list names
// are importable code nobody vouches for and warn.

#include <map>
#include <utility>

#include "resolver/compare_parts.hpp"

namespace envlock::resolver::detail {

namespace {

using lockfile::Fingerprint;
using lockfile::SiteEntry;
using Entries = std::map<std::pair<std::string, std::string>, const SiteEntry*>;

Entries by_key(const Fingerprint& fp) {
  Entries out;
  for (const auto& e : fp.site_entries) out.emplace(std::pair{site_key(fp, e.location), e.name}, &e);
  return out;
}

std::optional<std::string> shown(const SiteEntry& e) {
  if (!e.digest.empty()) return e.digest;
  return e.kind;
}

}  // namespace

void compare_site_entries(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                          std::vector<Finding>& out) {
  // A lock written before the inventory existed says nothing about it.
  if (lock.site_entries.empty()) return;
  const Entries locked = by_key(lock);
  const Entries present = by_key(target);
  for (const auto& [key, t] : present) {
    const std::string where = " at the top of " + t->location;
    auto it = locked.find(key);
    if (it == locked.end()) {
      if (t->startup) {
        add_finding(out, policy.files_startup, "startup-hook", t->name, std::nullopt, shown(*t),
                    "new start-up hook " + t->name + where +
                        (t->owner.empty() ? "" : " (installed by " + t->owner + ")") +
                        ": Python runs it at every start");
      } else if (t->owner.empty()) {
        add_finding(out, policy.files_toplevel, "file-modified", t->name, std::nullopt, shown(*t),
                    t->name + where + " is new and no RECORD lists it");
      }
      continue;
    }
    const SiteEntry& l = *it->second;
    // Either side may not have read the content (--fast digests no trees).
    const bool differs = l.kind != t->kind ||
                         (!l.digest.empty() && !t->digest.empty() && l.digest != t->digest);
    if (!differs) continue;
    if (t->startup) {
      add_finding(out, policy.files_startup, "startup-hook", t->name, shown(l), shown(*t),
                  "start-up hook " + t->name + where + " changed: Python runs it at every start");
    } else if (t->owner.empty()) {
      add_finding(out, policy.files_toplevel, "file-modified", t->name, shown(l), shown(*t),
                  t->name + where + " changed and no RECORD lists it");
    }
  }
  for (const auto& [key, l] : locked) {
    if (present.count(key) != 0 || !l->owner.empty()) continue;
    add_finding(out, policy.files_toplevel, l->startup ? "startup-hook" : "file-modified", l->name,
                shown(*l), std::nullopt,
                l->name + " was at the top of " + l->location + " in the lock and is gone");
  }
}

}  // namespace envlock::resolver::detail
