#pragma once
// Test helpers for the native (ELF) tests: a temporary directory, running a
// shell command, and compiling small shared objects with the system compiler.
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

namespace envlock::scanner::native_test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "envlock-native-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

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

inline void write_file(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
