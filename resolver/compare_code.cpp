// [[bytecode]] and the packages' `editable` summaries: code Python runs that
// no RECORD vouches for (scanner/python/bytecode.hpp, scanner/python/editable_project.hpp).

#include <map>
#include <utility>

#include "resolver/compare_parts.hpp"
#include "resolver/name.hpp"

namespace envlock::resolver::detail {

namespace {

using lockfile::Fingerprint;
using lockfile::Package;

// Normalized name -> the copy Python imports; only such copies are pinned.
std::map<std::string, const Package*> imported(const Fingerprint& fp) {
  std::map<std::string, const Package*> out;
  for (const Package& p : fp.packages) {
    if (!p.shadowed) out.emplace(normalize_name(p.name), &p);
  }
  return out;
}

std::string count_text(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " file" : " files");
}

}  // namespace

void compare_code(const Fingerprint& lock, const Fingerprint& target, const Policy& policy,
                  std::vector<Finding>& out) {
  const auto locked = imported(lock);
  // Packages whose byte code both scans pinned, at the same version: another
  // version is package-changed already, and its byte code differs anyway.
  std::map<std::string, bool> compared;
  for (const auto& [name, t] : imported(target)) {
    if (policy.ignore.count(name) != 0) continue;
    auto l = locked.find(name);
    if (l == locked.end() || l->second->version != t->version) continue;
    const Package& lp = *l->second;
    if (lp.editable && t->editable && lp.editable->digest != t->editable->digest) {
      add_finding(out, policy.files_modified, "file-modified", t->direct_url, lp.editable->digest,
                  t->editable->digest,
                  name + " " + t->version + ": the sources of its editable project (" +
                      t->direct_url + ") differ from the lock (" + count_text(lp.editable->count) +
                      " locked, " + count_text(t->editable->count) + " now)");
    }
    // A scan that did not look (--fast) knows no byte code: nothing to compare.
    if (lp.bytecode_pinned && t->bytecode_pinned) compared.emplace(name, true);
  }
  if (compared.empty()) return;

  // Keyed by package and relative path, not location: the same environment
  // at another prefix pins the same files.
  using Key = std::pair<std::string, std::string_view>;  // the view is into `lock`
  std::map<Key, std::string_view> pins;
  for (const auto& b : lock.bytecode) {
    std::string name = normalize_name(b.package);
    if (compared.count(name) != 0) pins.emplace(Key(std::move(name), b.path), b.sha256);
  }
  for (const auto& b : target.bytecode) {
    std::string name = normalize_name(b.package);
    if (compared.count(name) == 0) continue;
    auto pin = pins.find({name, b.path});
    if (pin == pins.end()) {
      add_finding(out, policy.files_new_bytecode, "file-modified", b.path, std::nullopt, b.sha256,
                  b.path + " (" + name +
                      "): byte code Python would load instead of its source, not in the lock "
                      "(bytecode-new)");
    } else if (pin->second != b.sha256) {
      add_finding(out, policy.files_modified, "file-modified", b.path, std::string(pin->second),
                  b.sha256,
                  b.path + " (" + name +
                      "): byte code Python would load instead of its source differs from the "
                      "lock (bytecode-modified)");
    }
  }
}

}  // namespace envlock::resolver::detail
