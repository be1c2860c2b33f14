// The interpreter cache against a real venv made with `python3 -m venv`: it
// answers only while nothing Python reads at start-up has changed.

#include "scanner/python/interpreter_cache.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "scanner/cache/cache_file.hpp"
#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/python/sys_path.hpp"
#include "scanner/cache/wall_clock.hpp"
#include "support/process.hpp"

extern char** environ;

namespace envlock::scanner {
namespace {

using testing::TempDir;
using testing::write_file;

std::vector<std::string> our_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
  return out;
}

class InterpreterCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = testing::run({"python3", "-m", "venv", "--without-pip", dir_->path() + "/venv"});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    auto facts = query_interpreter(python(), env);
    ASSERT_TRUE(facts) << facts.error().message;
    facts_ = std::move(*facts);
    ASSERT_FALSE(site().empty());
  }

  static std::string python() { return dir_->path() + "/venv/bin/python"; }
  // The venv's own site-packages, as the interpreter reported it.
  std::string site() const {
    for (const auto& p : facts_.site_candidates) {
      if (p.starts_with(dir_->path()) && p.ends_with("site-packages")) return p;
    }
    return "";
  }
  // Stamps younger than the racy window are not trusted; the venv was just
  // made, so tests store as if the query had run a minute from now.
  static std::int64_t later() { return wall_clock_ns() + 60'000'000'000; }

  static TempDir* dir_;
  TempDir cache_;
  InterpreterCache cache{cache_.path()};
  std::vector<std::string> env = our_environment();
  InterpreterFacts facts_;
};
TempDir* InterpreterCacheTest::dir_ = nullptr;

TEST_F(InterpreterCacheTest, AnUnchangedInterpreterAnswersFromTheCache) {
  EXPECT_FALSE(cache.lookup(python(), env));
  ASSERT_TRUE(cache.store(python(), env, facts_, later()));
  auto hit = cache.lookup(python(), env);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->base_path, facts_.base_path);
  EXPECT_EQ(hit->site_candidates, facts_.site_candidates);
  EXPECT_EQ(hit->python.version, facts_.python.version);
  EXPECT_EQ(hit->python.executable, facts_.python.executable);
  EXPECT_EQ(hit->output, facts_.output);
  struct stat st {};
  ASSERT_EQ(::stat(cache.entry_file(python(), env).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(InterpreterCacheTest, WhatTheQueryPassesOnIsPartOfTheKey) {
  ASSERT_TRUE(cache.store(python(), env, facts_, later()));
  for (std::string var : {"PYTHONUSERBASE=/elsewhere", "PYTHONNOUSERSITE=1", "HOME=/elsewhere",
                          "LD_LIBRARY_PATH=/opt/lib"}) {
    auto changed = env;
    changed.insert(changed.begin(), var);  // the first of a name is the one getenv() answers
    EXPECT_FALSE(cache.lookup(python(), changed)) << var;
  }
  // The query never sees these: the entry holds, and sys.path is read anew.
  for (std::string var : {"PYTHONPATH=/elsewhere", "PYTHONSTARTUP=/x.py", "LD_PRELOAD=/x.so",
                          "LD_LIBRARY_PATH=relative/lib", "ENVLOCK_TEST_UNRELATED=1"}) {
    auto changed = env;
    changed.insert(changed.begin(), var);
    EXPECT_TRUE(cache.lookup(python(), changed)) << var;
  }
}

TEST_F(InterpreterCacheTest, PthFilesAreReadOnEveryScanNotCached) {
  // The cached answer has no sys.path in it: a .pth added or edited after the
  // entry was stored, or a directory it names appearing later, shows in the
  // sys.path assembled from the cached facts.
  ASSERT_TRUE(cache.store(python(), env, facts_, later()));
  std::string later_dir = cache_ / "appears-later";
  write_file(site() + "/later.pth", "# a comment\nimport sys\n" + later_dir + "\n");
  auto hit = cache.lookup(python(), env);
  ASSERT_TRUE(hit);
  DiskFileSystem fs = DiskFileSystem::live_host();
  auto path = live_sys_path(fs, *hit, {});
  EXPECT_EQ(std::find(path.begin(), path.end(), later_dir), path.end());
  std::filesystem::create_directories(later_dir);
  path = live_sys_path(fs, *hit, {});
  EXPECT_NE(std::find(path.begin(), path.end(), later_dir), path.end());
  std::filesystem::remove(site() + "/later.pth");
}

TEST_F(InterpreterCacheTest, AnEditedPyvenvCfgIsAMiss) {
  ASSERT_TRUE(cache.store(python(), env, facts_, later()));
  ASSERT_TRUE(cache.lookup(python(), env));
  std::string cfg = dir_->path() + "/venv/pyvenv.cfg";
  std::string text = testing::read_file(cfg);
  write_file(cfg, text);  // rewritten unchanged: ctime moves all the same
  EXPECT_FALSE(cache.lookup(python(), env));
}

TEST_F(InterpreterCacheTest, RecentStampsAndScriptsAreNeverStored) {
  // The venv was made a moment ago: a second change within its timestamp tick
  // could not be seen, so a query that starts now is not stored.
  write_file(dir_->path() + "/venv/pyvenv.cfg", testing::read_file(dir_->path() + "/venv/pyvenv.cfg"));
  EXPECT_FALSE(cache.store(python(), env, facts_, wall_clock_ns()));
  EXPECT_FALSE(cache.lookup(python(), env));

  // A shim decides at run time which Python it starts.
  std::string shim = cache_ / "python-shim";
  write_file(shim, "#!/bin/sh\nexec " + python() + " \"$@\"\n");
  ::chmod(shim.c_str(), 0755);
  auto via_shim = query_interpreter(shim, env);
  ASSERT_TRUE(via_shim) << via_shim.error().message;
  EXPECT_FALSE(cache.store(shim, env, *via_shim, later()));
  EXPECT_FALSE(cache.lookup(shim, env));
  EXPECT_EQ(cache.entry_file(shim, env), "");
}

TEST_F(InterpreterCacheTest, GarbledOrForeignEntriesAreMisses) {
  ASSERT_TRUE(cache.store(python(), env, facts_, later()));
  std::string file = cache.entry_file(python(), env);
  ASSERT_FALSE(file.empty());
  for (std::string garbage : {std::string("not json"), std::string("{\"format\": 1, \"version\": \"x\"}"),
                              std::string("[1, 2]"), std::string("{\"stamps\": {\"a\": null}}"), std::string("\xff\xfe")}) {
    write_file(file, garbage);
    ::chmod(file.c_str(), 0600);
    EXPECT_FALSE(cache.lookup(python(), env)) << garbage;
  }
  // An entry whose stamps were edited to match nothing real.
  ASSERT_TRUE(cache.store(python(), env, facts_, later()));
  std::string text = testing::read_file(file);
  auto colon = text.rfind(":1");
  ASSERT_NE(colon, std::string::npos);
  text[colon + 1] = '2';
  write_file(file, text);
  EXPECT_FALSE(cache.lookup(python(), env));
  // A cache directory others can write is not ours to trust.
  ASSERT_TRUE(cache.store(python(), env, facts_, later()));
  ASSERT_TRUE(cache.lookup(python(), env));
  ::chmod((cache_ / "interpreters").c_str(), 0777);
  EXPECT_FALSE(cache.lookup(python(), env));
  ::chmod((cache_ / "interpreters").c_str(), 0700);
}

TEST_F(InterpreterCacheTest, DisabledCacheStoresNothing) {
  InterpreterCache off("");
  EXPECT_FALSE(off.store(python(), env, facts_, later()));
  EXPECT_FALSE(off.lookup(python(), env));
  EXPECT_FALSE(cache.lookup("/no/such/python", env));
  EXPECT_FALSE(cache.store("/no/such/python", env, facts_, later()));
}

}  // namespace
}  // namespace envlock::scanner
