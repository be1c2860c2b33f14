// libFuzzer target for static interpreter discovery (--root, --image):
// pyvenv.cfg, conda-meta/python-*.json, dpkg's status file, patchlevel.h,
// directory names under lib/, and the standard library's site.py with a PATH.
// The input is split at "\n@@\n" into those four files, a list of names (one
// per line: each becomes lib/<name>/site-packages under usr, usr/local, venv
// and opt/conda, with <name>/os.py, <name>/site.py and bin/<name>), and the
// site.py text whose first line is also the PATH searched. Nothing may crash,
// hang or throw. Seeds: fixtures/fuzz/site_discovery/.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "memory_fs.hpp"
#include "scanner/python/site_discovery.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace envlock;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  while (parts.size() < 6) {
    auto at = text.find("\n@@\n");
    parts.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 4);
  }
  parts.resize(6);

  fuzz::MemoryFileSystem fs;
  fs.add("/venv/pyvenv.cfg", parts[0]);
  fs.add("/opt/conda/conda-meta/python-3.11.7-h0.json", parts[1]);
  fs.add("/var/lib/dpkg/status", parts[2]);
  std::string_view names = parts[4];
  int made = 0;
  while (!names.empty() && made < 16) {
    auto nl = names.find('\n');
    std::string name(names.substr(0, nl));
    names = nl == std::string_view::npos ? std::string_view() : names.substr(nl + 1);
    if (name.empty() || name.find('/') != std::string::npos) continue;
    ++made;
    for (const char* lib : {"/usr/lib/", "/usr/local/lib/", "/venv/lib/", "/opt/conda/lib/"}) {
      std::string base = std::string(lib).substr(0, std::string(lib).size() - 4);
      fs.add(lib + name + "/site-packages/x.py", "");
      fs.add(lib + name + "/os.py", "");
      fs.add(lib + name + "/site.py", parts[5]);
      fs.add(base + "bin/" + name, "");
      fs.add(base + "include/" + name + "/patchlevel.h", parts[3]);
    }
  }
  (void)scanner::version_from_patchlevel(parts[3]);
  std::string_view path = std::string_view(parts[5]).substr(0, parts[5].find('\n'));
  for (const char* prefix : {"/", "/venv", "/opt/conda"}) {
    for (std::string_view search : {std::string_view(), path}) {
      auto found = scanner::discover_python(fs, prefix, search);
      if (found && found->python.version.empty()) __builtin_trap();
    }
  }
  return 0;
}
