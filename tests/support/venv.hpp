#pragma once
// Test support: a real virtualenv made with `python3 -m venv` in a scratch
// directory, the ground truth of the scenario suites (its interpreter answers
// what importlib.metadata, sys.path and pip see).

#include <string>
#include <vector>

namespace envlock::testing {

class Venv {
 public:
  /// Creates the venv at `dir` (pip only when asked: it costs seconds).
  explicit Venv(const std::string& dir, bool with_pip = false);

  std::string python() const { return dir_ + "/bin/python"; }
  /// Its purelib site-packages directory, as sysconfig names it.
  const std::string& site() const { return site_; }
  std::string at(const std::string& rel) const { return site_ + "/" + rel; }
  /// Runs `code` with the venv's interpreter; its stdout (a failure is a test failure).
  std::string python_out(const std::string& code, const std::vector<std::string>& args = {}) const;

 private:
  std::string dir_;
  std::string site_;
};

}  // namespace envlock::testing
