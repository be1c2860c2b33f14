#include "cli/export_pylock.hpp"

#include <gtest/gtest.h>

#include <toml++/toml.h>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

TEST(ExportPylock, SampleExactly) {
  const auto out = export_pylock(testing::sample_fingerprint());
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out,
            "# Exported by envlock " ENVLOCK_VERSION " from python:/usr/bin/python3\n"
            "# lock digest sha256:" + std::string(64, 'a') + "\n"
            "# Python 3.11.7 (cpython, linux_x86_64)\n"
            "lock-version = \"1.0\"\n"
            "environments = [\"sys_platform == 'linux' and platform_machine == 'x86_64'\"]\n"
            "requires-python = \"==3.11.*\"\n"
            "created-by = \"envlock\"\n"
            "\n[[packages]]\nname = \"myapp\"\n"
            "directory = { path = \"/home/dev/my app\", editable = true }\n"
            "\n[[packages]]\nname = \"mylib\"\n"
            "vcs = { type = \"git\", url = \"https://github.com/acme/mylib.git\", "
            "commit-id = \"0123456789abcdef0123456789abcdef01234567\" }\n"
            "\n[[packages]]\nname = \"numpy\"\nversion = \"1.26.4\"\nrequires-python = \">=3.9\"\n"
            "\n[[packages]]\nname = \"six\"\nversion = \"1.16.0\"\n"
            "\n[[packages]]\nname = \"tarpkg\"\nversion = \"1.0\"\n"
            "archive = { url = \"https://example.com/tarpkg-1.0.tar.gz\", hashes = { sha256 = \"" +
                std::string(64, 'c') + "\" } }\n"
            "\n[[packages]]\nname = \"torch\"\nversion = \"2.1.0+cu118\"\n");
}

TEST(ExportPylock, ParsesAsTomlWithThePep751Keys) {
  const auto out = export_pylock(testing::sample_fingerprint());
  ASSERT_TRUE(out);
  toml::table doc;
  try {
    doc = toml::parse(*out);
  } catch (const toml::parse_error& e) {
    FAIL() << e.description();
  }
  EXPECT_EQ(doc["lock-version"].value_or(""), std::string("1.0"));
  EXPECT_EQ(doc["created-by"].value_or(""), std::string("envlock"));
  const auto* packages = doc["packages"].as_array();
  ASSERT_NE(packages, nullptr);
  ASSERT_EQ(packages->size(), 6u);  // the shadowed six is not exported
  const auto& mylib = *packages->at(1).as_table();
  EXPECT_FALSE(mylib.contains("version"));  // PEP 751: no version for a source tree
  EXPECT_EQ(mylib["vcs"]["commit-id"].value_or(""), std::string("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_EQ(packages->at(0).as_table()->at_path("directory.editable").value_or(false), true);
}

TEST(ExportPylock, HostileStringsStayInsideTomlStrings) {
  auto fp = testing::sample_fingerprint();
  fp.packages[2].requires_python = ">=3.9\"\n[tool.evil]\nx = \"\x01\xff";
  fp.envlock.target = "t\n[tool]";
  const auto out = export_pylock(fp);
  ASSERT_TRUE(out);
  toml::table doc;
  try {
    doc = toml::parse(*out);
  } catch (const toml::parse_error& e) {
    FAIL() << e.description() << "\n" << *out;
  }
  EXPECT_FALSE(doc.contains("tool"));
  EXPECT_EQ(doc["packages"][2]["requires-python"].value_or(""),
            std::string(">=3.9\"\n[tool.evil]\nx = \"\x01\xef\xbf\xbd"));
}

TEST(ExportPylock, VcsWithoutCommitIsRefused) {
  auto fp = testing::sample_fingerprint();
  fp.packages[1].direct_hash.clear();
  EXPECT_EQ(export_pylock(fp).error().message,
            "cannot export package 'mylib': installed from version control without a commit id");
}

TEST(ExportPylock, UnknownPlatformAndVersionAreLeftOut) {
  auto fp = testing::sample_fingerprint();
  fp.python->platform = "macosx_14_0_arm64";
  fp.python->version = "3";
  const auto out = export_pylock(fp);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->find("environments"), std::string::npos);
  EXPECT_EQ(out->find("requires-python = \"=="), std::string::npos);
}

TEST(TomlString, Escapes) {
  EXPECT_EQ(toml_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(toml_string("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"");
  EXPECT_EQ(toml_string(std::string("\x01\x7f\x00", 3)), "\"\\u0001\\u007F\\u0000\"");
  EXPECT_EQ(toml_string("caf\xc3\xa9 \xff"), "\"caf\xc3\xa9 \xef\xbf\xbd\"");
}

}  // namespace
}  // namespace envlock::cli
