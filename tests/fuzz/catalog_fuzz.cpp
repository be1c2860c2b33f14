// libFuzzer target for everything the Python probe reads from a site
// directory: METADATA, WHEEL, direct_url.json, RECORD, PKG-INFO, requires.txt,
// installed-files.txt, *.pth, and dpkg's .list / .md5sums for Debian's
// egg-info, plus files dropped into the site. The input is split at "\n@@\n"
// into those files, in that order; parts after the tenth are extra files
// under the site ("relative/path\ncontent"). The whole probe runs over the
// tree, hashing and drop-in search included: no crash, no hang, and what
// comes out keeps the model's promises. A direct_url.json naming
// "file:///site/..." as editable and extra files under `__pycache__/` reach
// the editable-project walk and the byte-code pins. Seeds: fixtures/fuzz/catalog/.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

#include "memory_fs.hpp"
#include "scanner/python/package_catalog.hpp"
#include "scanner/python/python_probe.hpp"

namespace {

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> parts;
  while (parts.size() < 32) {
    auto at = text.find("\n@@\n");
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 4);
  }
  return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace envlock;
  const auto parts = split(std::string_view(reinterpret_cast<const char*>(data), size));
  auto part = [&](std::size_t i) { return std::string(i < parts.size() ? parts[i] : ""); };

  fuzz::MemoryFileSystem fs;
  fs.add("/site/a-1.0.dist-info/METADATA", part(0));
  fs.add("/site/a-1.0.dist-info/WHEEL", part(1));
  fs.add("/site/a-1.0.dist-info/direct_url.json", part(2));
  fs.add("/site/a-1.0.dist-info/RECORD", part(3));
  fs.add("/site/b-2.0.egg-info/PKG-INFO", part(4));
  fs.add("/site/b-2.0.egg-info/requires.txt", part(5));
  fs.add("/site/b-2.0.egg-info/installed-files.txt", part(6));
  fs.add("/site/c-3.0.egg-info/PKG-INFO", part(4));
  fs.add("/site/x.pth", part(7));
  fs.add("/var/lib/dpkg/info/python3-c.list", part(8));
  fs.add("/var/lib/dpkg/info/python3-c.md5sums", part(9));
  for (std::size_t i = 10; i < parts.size(); ++i) {
    auto nl = parts[i].find('\n');
    std::string rel(parts[i].substr(0, nl));
    if (rel.empty()) continue;
    fs.add("/site/" + rel, nl == std::string_view::npos ? "" : std::string(parts[i].substr(nl + 1)));
  }

  const auto sites = scanner::expand_pth(fs, {"/site"});
  static const std::set<std::string> kProblems = {"modified", "deleted", "unowned",
                                                  "unverifiable", "incomplete"};
  for (bool fast : {false, true}) {
    lockfile::Fingerprint fp;
    scanner::PythonProbeOptions options;
    options.fast = fast;
    options.python_implementation = "cpython";
    options.python_version = "3.11.7";
    auto files = scanner::probe_python_packages(fs, sites, options, fp);
    for (const auto& p : fp.integrity) {
      if (kProblems.count(p.problem) == 0 || p.location.empty()) __builtin_trap();
      if (p.path.empty() && p.package.empty()) __builtin_trap();
      // An unfinished search always says why; __pycache__ pycs are the bytecode rules'.
      if (p.problem == "incomplete" && p.detail.empty()) __builtin_trap();
    }
    for (const auto& e : fp.site_entries) {
      if (e.name.empty() || e.location.empty() || e.kind.empty()) __builtin_trap();
      if (e.startup && e.digest.empty() && e.kind != "directory" && e.kind != "other") __builtin_trap();
    }
    std::uint64_t pinned = 0;
    for (const auto& pkg : fp.packages) {
      if (pkg.name.empty() || pkg.version.empty()) __builtin_trap();
      if (fast && (pkg.bytecode_pinned || pkg.editable)) __builtin_trap();
      pinned += pkg.bytecode_pinned.value_or(0);
    }
    if (pinned != fp.bytecode.size()) __builtin_trap();
    for (const auto& b : fp.bytecode) {
      if (b.sha256.size() != 64 || b.path.empty() || b.location.empty()) __builtin_trap();
    }
    for (const auto& f : files) {
      if (f.path.empty() || f.path[0] != '/') __builtin_trap();
    }
  }
  return 0;
}
