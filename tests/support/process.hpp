#pragma once
// Test support: run a real program (the envlock binary, python3, cc) and a
// scratch directory that removes itself.

#include <string>
#include <vector>

namespace envlock::testing {

struct Run {
  int status = -1;  ///< exit code
  std::string out;
  std::string err;
};

/// Runs argv (PATH lookup) with stdin from /dev/null; captures both streams.
Run run(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});

/// Runs a shell command line with /bin/sh -c.
Run sh(const std::string& command);

/// Runs build/envlock with the given arguments.
Run envlock(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {});

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

}  // namespace envlock::testing
