#include "scanner/python/pth_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/python/package_catalog.hpp"
#include "scanner/support/native_build.hpp"

namespace envlock::scanner {
namespace {

using native_test::run;
using native_test::TempDir;
using native_test::write_file;
using Entries = std::vector<std::string>;

TEST(PthFile, CommentsImportsAndBlankLinesAreSkipped) {
  EXPECT_EQ(pth_entries("# a comment\nlib\nimport os; os.system('x')\nimport\tsys\n\n   \n\t\nother\n"),
            (Entries{"lib", "other"}));
  EXPECT_EQ(pth_entries(""), Entries{});
  EXPECT_EQ(pth_entries("no-newline-at-end"), Entries{"no-newline-at-end"});
  // "importlib" is a directory name, not an import statement.
  EXPECT_EQ(pth_entries("importlib\nimport\n"), (Entries{"importlib", "import"}));
}

// site.py tests "#" and "import " before it strips anything, then rstrip()s.
TEST(PthFile, OnlyTrailingWhitespaceIsStripped) {
  EXPECT_EQ(pth_entries("lib \t\x0b\x0c\x1c\x1f\n"), Entries{"lib"});
  EXPECT_EQ(pth_entries("  lib\n"), Entries{"  lib"});
  EXPECT_EQ(pth_entries(" # not a comment\n"), Entries{" # not a comment"});
  EXPECT_EQ(pth_entries(" import os\n"), Entries{" import os"});
}

TEST(PthFile, UniversalNewlines) {
  EXPECT_EQ(pth_entries("a\r\nb\rc\nd"), (Entries{"a", "b", "c", "d"}));
  EXPECT_EQ(pth_entries("a\r\r\nb"), (Entries{"a", "b"}));
}

TEST(PthFile, EntriesAreCapped) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "d" + std::to_string(i) + "\n";
  auto entries = pth_entries(text);
  ASSERT_EQ(entries.size(), kMaxPthEntries);
  EXPECT_EQ(entries.back(), "d" + std::to_string(kMaxPthEntries - 1));
}

// expand_pth against the real thing: Python's site.addsitedir on a directory
// whose .pth files hold every kind of line, their sys.path additions compared.
TEST(PthFile, ExpandPthAddsWhatSiteAddsitedirAdds) {
  TempDir tmp;
  const std::string site = tmp / "site";
  for (const char* d : {"lib_a", "lib_b", "lib_c", "lib_d", "lib_e", "lib_f", "#lib_g", "from_b"}) {
    std::filesystem::create_directories(site + "/" + d);
  }
  std::filesystem::create_directories(tmp / "outside");
  std::filesystem::create_directories(tmp / "abs");
  write_file(site + "/b.pth", "from_b\nlib_a\n");
  write_file(site + "/a.pth",
             "# lib_f is a comment\n"
             "lib_a\n"
             "  lib_b\n"              // leading blanks belong to the name: no such directory
             "lib_c \t \n"            // trailing ones do not
             "import os\n"
             "lib_d\rlib_e\r\n"       // old Mac and Windows line ends
             "#lib_g\n"
             "missing\n"
             "../outside\n" +
                 tmp / "abs" + "\n" +  // absolute, outside the site directory: kept as is
                 "lib_a\n");           // once only
  write_file(site + "/not-a-pth.txt", "lib_f\n");

  std::string python = run("python3 -S -c \"import site, sys; before = list(sys.path); site.addsitedir('" + site +
                           "'); print('\\n'.join(p for p in sys.path if p not in before))\"");
  Entries expected;
  for (std::size_t at = 0; at < python.size();) {
    std::size_t nl = python.find('\n', at);
    if (nl == std::string::npos) nl = python.size();
    if (nl > at) expected.push_back(python.substr(at, nl - at));
    at = nl + 1;
  }
  ASSERT_FALSE(expected.empty()) << "python3 -S -c ... printed nothing";
  ASSERT_EQ(expected.front(), site);

  DiskFileSystem fs("/");
  EXPECT_EQ(expand_pth(fs, {site}), expected);
  EXPECT_EQ(expected, (Entries{site, site + "/lib_a", site + "/lib_c", site + "/lib_d", site + "/lib_e",
                               tmp / "outside", tmp / "abs", site + "/from_b"}));
}

}  // namespace
}  // namespace envlock::scanner
