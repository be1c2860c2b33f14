// run_process against real programs (/bin/sh scripts): the limit holds
// whatever the child does with its output, its whole process group goes, and
// it sees only the environment and directory it was given.

#include "base/subprocess.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "support/process.hpp"

namespace envlock {
namespace {

using testing::TempDir;
using testing::write_file;

std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
  std::string path = dir / name;
  write_file(path, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}

// "R", "S", ... from /proc/PID/stat; "" once the process is gone.
std::string process_state(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? "" : text.substr(paren + 2, 1);
}

ProcessOptions with_limit(std::chrono::milliseconds limit) {
  ProcessOptions o;
  o.env = {"PATH=/usr/bin:/bin"};
  o.limit = limit;
  return o;
}

TEST(Subprocess, CapturesBothStreamsAndTheExitCode) {
  TempDir tmp;
  auto exe = script(tmp, "p", "echo out; echo err >&2; exit 3\n");
  auto r = run_process({exe}, with_limit(std::chrono::seconds(30)));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_code, 3);
}

TEST(Subprocess, TheLimitHoldsWhenTheChildClosesItsOutputAndKeepsRunning) {
  // Before, the pipes' end of file was taken for the end of the child and
  // waitpid() then waited for as long as the child chose.
  TempDir tmp;
  auto exe = script(tmp, "p", "exec >&- 2>&-\nsleep 600 &\necho $! > " + (tmp / "grandchild") + "\nwait\n");
  auto r = run_process({exe}, with_limit(std::chrono::milliseconds(300)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, exe + ": did not finish within 300 ms");
  // What it started was in its process group and died with it.
  std::string pid = testing::read_file(tmp / "grandchild");
  while (!pid.empty() && pid.back() == '\n') pid.pop_back();
  ASSERT_FALSE(pid.empty());
  // SIGKILL is delivered asynchronously: wait (boundedly) for it to land.
  std::string state = process_state(pid);
  for (int i = 0; i < 500 && !(state.empty() || state == "Z"); ++i) {
    ::usleep(10'000);
    state = process_state(pid);
  }
  EXPECT_TRUE(state.empty() || state == "Z") << "sleep is still " << state;
}

TEST(Subprocess, TheLimitHoldsWhenTheChildKeepsItsOutputOpen) {
  TempDir tmp;
  auto exe = script(tmp, "p", "sleep 600\n");
  auto r = run_process({exe}, with_limit(std::chrono::seconds(1)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, exe + ": did not finish within 1 s");
}

TEST(Subprocess, TheChildSeesOnlyTheGivenEnvironmentAndDirectory) {
  TempDir tmp;
  ::setenv("ENVLOCK_SUBPROCESS_TEST_SECRET", "1", 1);
  auto exe = script(tmp, "p", "pwd; env | sort\n");
  ProcessOptions o = with_limit(std::chrono::seconds(30));
  o.env = {"A=1", "PATH=/usr/bin:/bin"};
  o.cwd = tmp.path();
  auto r = run_process({exe}, o);
  ::unsetenv("ENVLOCK_SUBPROCESS_TEST_SECRET");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out.substr(0, r->out.find('\n')), tmp.path());
  EXPECT_NE(r->out.find("A=1\n"), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find("ENVLOCK_SUBPROCESS_TEST_SECRET"), std::string::npos) << r->out;
}

TEST(Subprocess, FindCommandLooksLikeExecvp) {
  TempDir tmp;
  auto exe = script(tmp, "tool", "true\n");
  EXPECT_EQ(find_command("tool", "/nonexistent:" + tmp.path(), "/"), exe);
  EXPECT_EQ(find_command("tool", "/nonexistent", "/"), "");
  EXPECT_EQ(find_command("tool", ":/nonexistent", tmp.path()), exe) << "an empty element is the cwd";
  EXPECT_EQ(find_command("./x/../tool", "", tmp.path()), exe) << "a path is relative to the cwd, normalized";
  EXPECT_EQ(find_command("/abs/python", "", tmp.path()), "/abs/python");
  EXPECT_EQ(find_command("", "/usr/bin", "/"), "");
}

}  // namespace
}  // namespace envlock
