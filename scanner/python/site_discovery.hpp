#pragma once
// Static discovery of Python interpreters and their site directories in a root
// filesystem or a venv/conda prefix. Nothing is executed.

#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

struct DiscoveredPython {
  lockfile::Python python;             ///< version as precise as the files tell
  std::vector<std::string> site_dirs;  ///< existing ones, in the order site.py puts them on sys.path
  /// sys.path before site runs (python3XY.zip, the standard library,
  /// lib-dynload), whether or not each exists; empty when the base is unknown.
  std::vector<std::string> stdlib = {};
  std::vector<std::string> notes;      ///< what was left out, for the scan's diagnostics
};

/// Looks at `prefix` inside `fs`: a venv (pyvenv.cfg, honouring
/// include-system-site-packages), a conda prefix (conda-meta/), or a root
/// filesystem: a venv or conda prefix at the usual places (/opt/venv, /venv,
/// /app/.venv, /opt/conda), else the interpreter `python3` (then `python`)
/// names on `search_path` (an image's PATH; "" is the usual default), else a
/// prefix with a standard library and no executable (a note says so). The
/// site directories follow the tree's own site.py: Debian's dist-packages
/// scheme or upstream's site-packages (docs/images.md, "Which interpreter
/// and which site directories"). The executable reported exists in the tree.
/// Fails when no interpreter or site directory is found.
Result<DiscoveredPython> discover_python(const FileSystem& fs, const std::string& prefix,
                                         std::string_view search_path = {});

/// "3.11.7" from the first `#define PY_VERSION "3.11.7"` of patchlevel.h text.
std::string version_from_patchlevel(std::string_view text);

}  // namespace envlock::scanner
