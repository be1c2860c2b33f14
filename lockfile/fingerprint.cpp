#include "lockfile/fingerprint.hpp"

#include <algorithm>
#include <tuple>

namespace envlock::lockfile {

void canonicalize(Fingerprint& fp) {
  std::sort(fp.packages.begin(), fp.packages.end(), [](const Package& a, const Package& b) {
    return std::tie(a.name, a.location, a.version) < std::tie(b.name, b.location, b.version);
  });
  for (auto& p : fp.packages) std::sort(p.wheel_tags.begin(), p.wheel_tags.end());
  std::sort(fp.native.begin(), fp.native.end(),
            [](const Native& a, const Native& b) { return a.path < b.path; });
  for (auto& n : fp.native) std::sort(n.version_needs.begin(), n.version_needs.end());
  if (fp.hardware) {
    auto& flags = fp.hardware->cpu.flags;
    std::sort(flags.begin(), flags.end());
    flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
  }
  std::sort(fp.integrity.begin(), fp.integrity.end(),
            [](const FileProblem& a, const FileProblem& b) {
              return std::tie(a.location, a.path, a.problem) < std::tie(b.location, b.path, b.problem);
            });
  std::sort(fp.site_entries.begin(), fp.site_entries.end(),
            [](const SiteEntry& a, const SiteEntry& b) {
              return std::tie(a.location, a.name) < std::tie(b.location, b.name);
            });
  std::sort(fp.bytecode.begin(), fp.bytecode.end(), [](const Bytecode& a, const Bytecode& b) {
    return std::tie(a.location, a.path, a.package) < std::tie(b.location, b.path, b.package);
  });
  std::sort(fp.diagnostics.begin(), fp.diagnostics.end(),
            [](const Diagnostic& a, const Diagnostic& b) {
              return std::tie(a.subject, a.message) < std::tie(b.subject, b.message);
            });
}

}  // namespace envlock::lockfile
