#pragma once
// Static discovery of Python interpreters and their site directories in a root
// filesystem or a venv/conda prefix. Nothing is executed.

#include <string>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/filesystem.hpp"

namespace envlock::scanner {

struct DiscoveredPython {
  lockfile::Python python;             ///< version as precise as the files tell
  std::vector<std::string> site_dirs;  ///< most specific first (venv before system)
  std::vector<std::string> notes;      ///< what was left out, for the scan's diagnostics
};

/// Looks at `prefix` inside `fs`: a venv (pyvenv.cfg, honouring
/// include-system-site-packages), a conda prefix (conda-meta/), or a root
/// filesystem (Debian's dist-packages, /usr/local/lib/pythonX.Y/{site,dist}-packages,
/// lib64, and venvs/conda prefixes at the usual places). Fails when no
/// interpreter or site directory is found.
Result<DiscoveredPython> discover_python(const FileSystem& fs, const std::string& prefix);

/// "3.11.7" from the first `#define PY_VERSION "3.11.7"` of patchlevel.h text.
std::string version_from_patchlevel(std::string_view text);

}  // namespace envlock::scanner
