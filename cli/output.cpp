#include "cli/output.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "base/path.hpp"
#include "base/regular_file.hpp"
#include "lockfile/lock_io.hpp"

namespace envlock::cli {

Result<void> emit(const std::string& path, std::string_view text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    if (!std::cout) return fail("cannot write to standard output");
    return {};
  }
  return lockfile::write_file_atomic(path, text);
}

bool stdout_wants_color(const std::string& output_path) {
  if (!output_path.empty() && output_path != "-") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

Result<std::string> read_input_file(const std::string& path, std::string_view what) {
  std::string abs = path.starts_with('/') ? path : std::filesystem::current_path().string() + "/" + path;
  auto text = read_regular_file(normalize_path(abs), 16u << 20);
  if (!text) {
    using Reason = ReadFileError::Reason;
    std::string why;
    switch (text.error().reason) {
      case Reason::kNotRegular:
      case Reason::kFstat: why = "not a regular file"; break;
      case Reason::kTooLarge:
      case Reason::kGrewTooLarge:
        why = "file is larger than the " + std::to_string(16u << 20) + "-byte limit";
        break;
      default: why = std::strerror(text.error().err);
    }
    return fail(path + ": cannot read " + std::string(what) + ": " + why);
  }
  return std::move(*text);
}

}  // namespace envlock::cli
