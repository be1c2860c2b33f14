#include "scanner/native/elf_versions.hpp"

#include <gtest/gtest.h>

namespace envlock::scanner {
namespace {

TEST(ElfVersions, HighestVersionNode) {
  EXPECT_EQ(highest_version({"GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_2.9", "GLIBC_PRIVATE", "GLIBCXX_3.4.30"},
                            "GLIBC_"),
            "2.17");
  EXPECT_EQ(highest_version({"GLIBCXX_3.4.9", "GLIBCXX_3.4.30", "GLIBCXX_TUNE"}, "GLIBCXX_"), "3.4.30");
  EXPECT_EQ(highest_version({"GLIBC_2.", "GLIBC_.2", "GLIBC_2..3"}, "GLIBC_"), "");
  EXPECT_EQ(highest_version({}, "GLIBC_"), "");
}

TEST(ElfVersions, DottedNumbersCompareAsNumbers) {
  EXPECT_EQ(compare_dotted("2.9", "2.17"), -1);
  EXPECT_EQ(compare_dotted("2.17", "2.17.0"), 0);
  EXPECT_EQ(compare_dotted("3.4.30", "3.4.29"), 1);
}

TEST(ElfVersions, SoVersionFromTheFileName) {
  EXPECT_EQ(so_version("libcudart.so.12.1.105"), "12.1.105");
  EXPECT_EQ(so_version("libstdc++.so.6.0.30"), "6.0.30");
  EXPECT_EQ(so_version("libc.so.6"), "6");
  EXPECT_EQ(so_version("libc-2.31.so"), "");
  EXPECT_EQ(so_version("libfoo.so"), "");
  EXPECT_EQ(so_version("libfoo.so."), "");
  EXPECT_EQ(so_version("libx.so.1.so.2"), "2");
  EXPECT_EQ(so_version("libx.so.1.so.beta"), "");
}

}  // namespace
}  // namespace envlock::scanner
