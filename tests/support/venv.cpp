#include "support/venv.hpp"

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace envlock::testing {

Venv::Venv(const std::string& dir, bool with_pip) : dir_(dir) {
  std::vector<std::string> argv{"python3", "-m", "venv", dir_};
  if (!with_pip) argv.insert(argv.begin() + 3, "--without-pip");
  auto r = run(argv);
  EXPECT_EQ(r.status, 0) << r.err;
  site_ = python_out("import sysconfig; print(sysconfig.get_paths()['purelib'], end='')");
}

std::string Venv::python_out(const std::string& code, const std::vector<std::string>& args) const {
  std::vector<std::string> argv{python(), "-c", code};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv);
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out;
}

}  // namespace envlock::testing
