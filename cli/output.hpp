#pragma once
// Where a command's output goes: stdout, or a file written atomically (-o).

#include <string>
#include <string_view>

#include "base/error.hpp"

namespace envlock::cli {

/// Writes to `path` atomically, or to stdout when path is "" or "-".
Result<void> emit(const std::string& path, std::string_view text);

/// Colour only on a terminal, and never when NO_COLOR is set and non-empty.
bool stdout_wants_color(const std::string& output_path);

/// Reads a small input file named on the command line (policy, key).
Result<std::string> read_input_file(const std::string& path, std::string_view what);

}  // namespace envlock::cli
