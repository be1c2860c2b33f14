#pragma once
// The sys.path a live interpreter has when it is run normally, assembled
// without running it again and without executing anything `site` would:
// PYTHONPATH, then the interpreter's own start (interpreter_query.hpp), then
// each existing site directory followed by the directories its *.pth files
// name, read as text (expand_pth). Import lines of .pth files are code and
// are never run, so a finder they would install is not seen (documented in
// docs/integrity.md).

#include <string>
#include <string_view>
#include <vector>

#include "scanner/fs/filesystem.hpp"
#include "scanner/python/interpreter_query.hpp"

namespace envlock::scanner {

/// The entries a PYTHONPATH value puts on sys.path, in order: each made
/// absolute against `cwd` (an empty entry is `cwd`, as Python's abspath('')
/// is) and normalized; repeats dropped.
std::vector<std::string> pythonpath_entries(std::string_view value, const std::string& cwd);

/// sys.path without the script's directory, existing directories only, in
/// the order Python searches them; a path appears once (its first place).
std::vector<std::string> live_sys_path(const FileSystem& fs, const InterpreterFacts& facts,
                                       const std::vector<std::string>& pythonpath);

}  // namespace envlock::scanner
