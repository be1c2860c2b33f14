#include "cli/output.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "lockfile/lock_io.hpp"
#include "scanner/disk_filesystem.hpp"

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
  scanner::DiskFileSystem fs("/");
  std::string abs = path.starts_with('/') ? path : std::filesystem::current_path().string() + "/" + path;
  auto text = fs.read(abs, 16u << 20);
  if (!text) {
    std::string why = text.error().message;
    auto colon = why.rfind(": ");
    return fail(path + ": cannot read " + std::string(what) + ": " +
                (colon == std::string::npos ? why : why.substr(colon + 2)));
  }
  return text;
}

}  // namespace envlock::cli
