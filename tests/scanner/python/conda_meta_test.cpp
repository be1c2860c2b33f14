#include "scanner/python/conda_meta.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/paths.hpp"

namespace envlock::scanner {
namespace {

const std::string kSha(64, 'a');

TEST(CondaMeta, ReadsIdentityAndPathsData) {
  auto r = parse_conda_record(R"({
    "name": "libzlib", "version": "1.2.13", "build": "hd590300_5",
    "channel": "https://conda.anaconda.org/conda-forge/linux-64",
    "url": "https://conda.anaconda.org/conda-forge/linux-64/libzlib-1.2.13-hd590300_5.conda",
    "md5": "f36c115f1ee199da648e0597ec2047ad", "sha256": ")" +
                                  kSha + R"(",
    "files": ["ignored/when/paths_data/is/there"],
    "paths_data": {"paths_version": 1, "paths": [
      {"_path": "lib/libz.so.1", "path_type": "softlink", "sha256": ")" +
                                  kSha + R"("},
      {"_path": "lib/./libz.so.1.2.13", "path_type": "hardlink", "sha256": ")" +
                                  std::string(64, 'B') + R"("},
      {"_path": "bin/script", "path_type": "hardlink", "prefix_placeholder": "/opt/placehold",
       "sha256": ")" + kSha + R"("},
      {"_path": "bin/rewritten", "path_type": "hardlink", "prefix_placeholder": "/opt/placehold",
       "sha256": ")" + kSha + R"(", "sha256_in_prefix": ")" +
                                  std::string(64, 'c') + R"("},
      {"_path": "share/dir", "path_type": "directory"},
      {"_path": 7}, "not an object",
      {"_path": "lib/python3.11/__pycache__/x.cpython-311.pyc", "path_type": "pyc_file"}]}})",
                              "conda-meta/libzlib.json");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->name, "libzlib");
  EXPECT_EQ(r->version, "1.2.13");
  EXPECT_EQ(r->build, "hd590300_5");
  EXPECT_EQ(r->channel, "https://conda.anaconda.org/conda-forge/linux-64");
  EXPECT_EQ(r->md5, "f36c115f1ee199da648e0597ec2047ad");
  EXPECT_TRUE(r->has_file_list);
  ASSERT_EQ(r->files.size(), 5u);
  EXPECT_EQ(r->files[0].path, "lib/libz.so.1");
  EXPECT_EQ(r->files[0].sha256, "") << "a symlink's hash is its target's";
  EXPECT_EQ(r->files[1].path, "lib/libz.so.1.2.13");
  EXPECT_EQ(r->files[1].sha256, std::string(64, 'b'));
  EXPECT_EQ(r->files[2].sha256, "") << "rewritten on install, no sha256_in_prefix";
  EXPECT_EQ(r->files[3].sha256, std::string(64, 'c'));
  EXPECT_EQ(r->files[4].sha256, "");
}

TEST(CondaMeta, OlderRecordsListNamesOnly) {
  auto r = parse_conda_record(
      R"({"name": "old", "version": "1", "files": ["bin/old", "lib/x/../libold.so", 3]})",
      "old.json");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->files.size(), 2u);
  EXPECT_EQ(r->files[1].path, "lib/libold.so");
  EXPECT_TRUE(r->has_file_list);
  auto bare = parse_conda_record(R"({"name": "meta", "version": "1"})", "meta.json");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->has_file_list);
}

TEST(CondaMeta, ErrorsNameTheFileAndTheField) {
  EXPECT_EQ(parse_conda_record("{\"name\": ", "m.json").error().message, "m.json: not valid JSON");
  EXPECT_EQ(parse_conda_record("[]", "m.json").error().message, "m.json: not a JSON object");
  EXPECT_EQ(parse_conda_record(R"({"version": "1"})", "m.json").error().message,
            "m.json: name: expected a non-empty string");
  EXPECT_EQ(parse_conda_record(R"({"name": "x", "version": 1})", "m.json").error().message,
            "m.json: version: expected a non-empty string");
  EXPECT_EQ(parse_conda_record(R"({"name": "x", "version": "1", "files": ["a/../../etc/passwd"]})",
                               "m.json")
                .error()
                .message,
            "m.json: path \"a/../../etc/passwd\" leaves the prefix");
  EXPECT_EQ(parse_conda_record(
                R"({"name": "x", "version": "1", "paths_data": {"paths": [{"_path": "/etc/x"}]}})",
                "m.json")
                .error()
                .message,
            "m.json: path \"/etc/x\" leaves the prefix");
  EXPECT_FALSE(
      parse_conda_record(R"({"name": "x", "version": "1", "files": ["a\u0000b"]})", "m.json"));
}

TEST(CondaMeta, ADocumentOfTinyValuesIsRefusedBeforeParsing) {
  std::string text = R"({"name": "x", "version": "1", "files": [)";
  for (int i = 0; i < 200000; ++i) text += "[],";
  text += "[]]}";
  auto r = parse_conda_record(text, "m.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("more values than a record of"), std::string::npos)
      << r.error().message;
}

// The fuzz seeds parse or fail cleanly, as the fuzz target demands.
TEST(CondaMeta, FuzzSeedsParseOrFailCleanly) {
  const std::string dir = std::string(ENVLOCK_FIXTURES) + "/fuzz/conda_meta";
  int seen = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    auto r = parse_conda_record(text.str(), "seed");
    if (!r) {
      EXPECT_EQ(r.error().message.rfind("seed: ", 0), 0u) << r.error().message;
    } else {
      for (const auto& f : r->files) EXPECT_FALSE(f.path.starts_with("..")) << f.path;
    }
    ++seen;
  }
  EXPECT_GE(seen, 5);
}

}  // namespace
}  // namespace envlock::scanner
