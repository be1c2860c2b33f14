#pragma once
// Test helpers for the native (ELF) tests: running a shell command and
// compiling small shared objects with the system compiler.
// Header-only so it stays inside the tests that include it.

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/process.hpp"

namespace envlock::scanner::native_test {

// The suite's one scratch directory and file helpers (tests/support/process.hpp).
using ::envlock::testing::read_file;
using ::envlock::testing::TempDir;
using ::envlock::testing::write_file;

/// Runs `cmd` with /bin/sh, returns its stdout; `status` gets the exit code.
inline std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) {
    if (status) *status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = ::pclose(p);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

/// Compiles C `source` into `out` (a shared object unless flags say otherwise).
/// Returns the compiler's output on failure, "" on success.
inline std::string compile(const std::string& source, const std::string& out,
                           const std::string& flags, const std::string& compiler = "cc") {
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::string ext = compiler == "cc" ? ".c" : ".cpp";
  std::string src = out + ext;
  write_file(src, source);
  int status = 0;
  std::string log = run(compiler + " -fPIC -o '" + out + "' '" + src + "' " + flags + " 2>&1", &status);
  return status == 0 ? "" : (log.empty() ? "compiler failed" : log);
}

}  // namespace envlock::scanner::native_test
