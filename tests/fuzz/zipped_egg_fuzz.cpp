// libFuzzer target for zip archives on sys.path: the input is a zipped egg
// that a .pth names. The archive reader (libarchive's zip reader behind
// zipped_egg's bounds) and the catalog and probe over it must not crash or
// hang, and what comes out keeps the model's promises: a member read is
// within its limit, a package found has the egg as its one file.
// Seeds: fixtures/fuzz/zipped_egg/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "memory_fs.hpp"
#include "scanner/python/package_catalog.hpp"
#include "scanner/python/python_probe.hpp"
#include "scanner/python/zipped_egg.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace envlock;
  fuzz::MemoryFileSystem fs;
  const std::string egg = "/site/demo-1.0-py3.11.egg";
  fs.add(egg, std::string(reinterpret_cast<const char*>(data), size));
  fs.add("/site/easy-install.pth", "./demo-1.0-py3.11.egg\n");

  scanner::ZipLimits limits;
  limits.max_members = 4096;
  limits.max_member_bytes = 1 << 20;
  for (bool want_egg : {true, false}) {
    auto zip = scanner::read_zipped_egg(fs, egg, want_egg, limits);
    if (!zip) continue;
    if (zip->pkg_info && zip->pkg_info->size() > limits.max_member_bytes) __builtin_trap();
    if (zip->requires_txt && zip->requires_txt->size() > limits.max_member_bytes) __builtin_trap();
    if (!want_egg && (zip->pkg_info || zip->requires_txt)) __builtin_trap();
    if (zip->native.size() > 17 || zip->other_metadata.size() > 16) __builtin_trap();
  }

  const auto sites = scanner::expand_pth(fs, {"/site"});
  for (bool fast : {false, true}) {
    lockfile::Fingerprint fp;
    scanner::PythonProbeOptions options;
    options.fast = fast;
    scanner::probe_python_packages(fs, sites, options, fp);
    for (const auto& p : fp.packages) {
      if (p.format != "egg-zip" || p.location != egg) __builtin_trap();
      if (p.files.count != 1 || p.name.empty() || p.version.empty()) __builtin_trap();
    }
  }
  return 0;
}
