#include "scanner/host/os_probe.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/native/elf_reader.hpp"
#include "scanner/support/native_build.hpp"
#include "support/paths.hpp"

namespace envlock::scanner {
namespace {

using native_test::compile;
using native_test::read_file;
using native_test::run;
using native_test::TempDir;
using native_test::write_file;

std::string fixture(const std::string& name) {
  return read_file(std::string(ENVLOCK_FIXTURES) + "/native/os-release/" + name);
}

std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

TEST(OsRelease, ParsesTheDistributions) {
  auto debian = parse_os_release(fixture("debian-12"));
  EXPECT_EQ(debian["ID"], "debian");
  EXPECT_EQ(debian["VERSION_ID"], "12");
  EXPECT_EQ(debian["PRETTY_NAME"], "Debian GNU/Linux 12 (bookworm)");
  auto ubuntu = parse_os_release(fixture("ubuntu-22.04"));
  EXPECT_EQ(ubuntu["ID"], "ubuntu");
  EXPECT_EQ(ubuntu["VERSION_ID"], "22.04");
  auto rhel = parse_os_release(fixture("rhel-9"));
  EXPECT_EQ(rhel["ID"], "rhel");
  EXPECT_EQ(rhel["VERSION_ID"], "9.3");
}

TEST(OsRelease, QuotingRules) {
  auto q = parse_os_release(fixture("quoting"));
  EXPECT_EQ(q["ID"], "single quoted");
  EXPECT_EQ(q["NAME"], "with \"escaped\" quotes, $dollar, `tick` and \\ backslash");
  EXPECT_EQ(q["VERSION_ID"], "bare word");
  EXPECT_EQ(q["PRETTY_NAME"], "keeps \\n as two characters");
  EXPECT_EQ(q["EMPTY"], "");
  EXPECT_EQ(q.count("BROKEN"), 0u);
  EXPECT_EQ(q.count("SPACED"), 0u);
  EXPECT_EQ(q.count("BAD KEY"), 0u);
  EXPECT_EQ(q.count("-not-a-key"), 0u);
  EXPECT_EQ(q.size(), 5u);
}

TEST(OsProbe, BannerAndCommentVersions) {
  using namespace std::string_literals;
  EXPECT_EQ(glibc_banner_version("xx\0GNU C Library (Debian GLIBC 2.36-9+deb12u4) stable release version 2.36.\n\0"s),
            "2.36");
  EXPECT_EQ(glibc_banner_version("release version x; release version 2.17"), "2.17");
  EXPECT_EQ(glibc_banner_version("no banner"), "");
  EXPECT_EQ(gcc_comment_version("GCC: (Debian 12.2.0-14) 12.2.0\0GCC: (GNU) 11.4.0\0"s), "12.2.0");
  EXPECT_EQ(gcc_comment_version("GCC: (broken\0) 9.9.9"s), "");
  EXPECT_EQ(gcc_comment_version(""), "");
  // Windows of a streamed file: only matches starting before the limit count;
  // the next window starts with the overlap and sees them whole.
  std::string two = "release version 2.17 ... release version 2.36";
  EXPECT_EQ(glibc_banner_version(two, 5), "2.17");
  EXPECT_EQ(glibc_banner_version(two, 0), "");
  EXPECT_EQ(glibc_banner_version(std::string_view(two).substr(20), 100), "2.36");
  EXPECT_EQ(gcc_comment_version("GCC: (A) 9.1.0\0GCC: (B) 12.2.0"s, 3), "9.1.0");
}

/// A root filesystem with a stand-in libc and libstdc++: real shared objects
/// with the sonames, version definitions and strings the probe reads.
class OsProbeRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    triplet = chomp(run("gcc -print-multiarch 2>/dev/null"));
    libdir = triplet.empty() ? "lib64" : "lib/" + triplet;
    usrlibdir = triplet.empty() ? "usr/lib64" : "usr/lib/" + triplet;
    arch = chomp(run("uname -m"));
  }
  void make_libc(const std::string& file, const std::string& newest, bool banner, std::size_t padding = 0) {
    std::string src = "int old_fn(void) { return 0; }\nint new_fn(void) { return 1; }\n";
    if (padding) src += "__attribute__((used)) const char padding[" + std::to_string(padding) + "] = {1};\n";
    if (banner)
      src += "__attribute__((used)) const char banner[] = \"GNU C Library (Fake) stable release version 2.36.\\n\";\n";
    write_file(root / "libc.map", "GLIBC_2.2.5 { global: old_fn; local: *; };\n" + newest +
                                      " { global: new_fn; } GLIBC_2.2.5;\nGLIBC_PRIVATE { global: banner; };\n");
    ASSERT_EQ(compile(src, root / (libdir + "/" + file),
                      "-shared -nostdlib -Wl,-soname,libc.so.6 -Wl,--version-script=" + (root / "libc.map")),
              "");
  }
  void make_libstdcxx(bool comment) {
    std::string src = "int a(void) { return 0; }\nint b(void) { return 1; }\n";
    write_file(root / "cxx.map", "GLIBCXX_3.4 { global: a; local: *; };\nGLIBCXX_3.4.30 { global: b; } GLIBCXX_3.4;\n");
    ASSERT_EQ(compile(src, root / (usrlibdir + "/libstdc++.so.6.0.30"),
                      "-shared -nostdlib -Wl,-soname,libstdc++.so.6 -Wl,--version-script=" + (root / "cxx.map")),
              "");
    // gcc records "GCC: (...) X.Y.Z" in .comment; Debian strips it from the real libstdc++.
    if (!comment) run("objcopy -R .comment '" + (root / (usrlibdir + "/libstdc++.so.6.0.30")) + "'");
    std::filesystem::create_symlink("libstdc++.so.6.0.30", root / (usrlibdir + "/libstdc++.so.6"));
  }
  TempDir root;
  std::string triplet, libdir, usrlibdir, arch;
};

TEST_F(OsProbeRoot, ReadsTheTargetsOwnLibraries) {
  make_libc("libc.so.6", "GLIBC_2.34", true);
  make_libstdcxx(true);
  write_file(root / "etc/os-release", fixture("debian-12"));
  DiskFileSystem fs(root.path());
  lockfile::Fingerprint fp;
  probe_os(fs, fp);
  ASSERT_TRUE(fp.os);
  EXPECT_EQ(fp.os->arch, arch);
  EXPECT_EQ(fp.os->kernel, "");  // not a live host
  EXPECT_EQ(fp.os->id, "debian");
  EXPECT_EQ(fp.os->version_id, "12");
  EXPECT_EQ(fp.os->glibc, "2.36");  // the banner wins over the highest version node
  EXPECT_EQ(fp.os->libstdcxx, chomp(run("cc -dumpfullversion")));
  EXPECT_EQ(fp.os->glibcxx_max, "3.4.30");
  EXPECT_TRUE(fp.diagnostics.empty());
}

// The banner is read from .rodata when the section headers say where it is,
// and otherwise searched in a stream of the whole file, window by window; put
// it megabytes in, past the first chunks and across their boundaries.
TEST_F(OsProbeRoot, BannerFarIntoALargeLibc) {
  make_libc("libc.so.6", "GLIBC_2.34", true, (3u << 20) + 777);
  std::string file = root / (libdir + "/libc.so.6");
  ASSERT_GT(std::filesystem::file_size(file), 3u << 20);
  DiskFileSystem fs(root.path());
  lockfile::Fingerprint fp;
  probe_os(fs, fp);
  ASSERT_TRUE(fp.os);
  EXPECT_EQ(fp.os->glibc, "2.36");

  // Without section headers (e_shoff, e_shnum, e_shstrndx zeroed, as a
  // stripped-to-the-bone object has them) the whole file streams.
  std::string bytes = read_file(file);
  ASSERT_EQ(bytes[4], 2) << "the stand-in libc is a 64-bit object";
  for (int i = 40; i < 48; ++i) bytes[i] = 0;
  for (int i = 60; i < 64; ++i) bytes[i] = 0;
  write_file(file, bytes);
  ASSERT_FALSE(find_elf_section(fs, "/" + libdir + "/libc.so.6", ".rodata").headers_read);
  lockfile::Fingerprint streamed;
  probe_os(fs, streamed);
  ASSERT_TRUE(streamed.os);
  EXPECT_EQ(streamed.os->glibc, "2.36");
}

TEST_F(OsProbeRoot, FallsBackToVersionNodesFileNamesAndUsrLibOsRelease) {
  make_libc("libc.so.6", "GLIBC_2.35", false);
  make_libstdcxx(false);
  write_file(root / "usr/lib/os-release", fixture("rhel-9"));
  DiskFileSystem fs(root.path());
  lockfile::Fingerprint fp;
  probe_os(fs, fp);
  ASSERT_TRUE(fp.os);
  EXPECT_EQ(fp.os->id, "rhel");
  EXPECT_EQ(fp.os->version_id, "9.3");
  EXPECT_EQ(fp.os->glibc, "2.35");
  EXPECT_EQ(fp.os->libstdcxx, "6.0.30");
  EXPECT_EQ(fp.os->glibcxx_max, "3.4.30");
}

TEST_F(OsProbeRoot, OldGlibcNamesTheFileAfterItsVersion) {
  make_libc("libc-2.31.so", "GLIBC_2.30", true);
  std::filesystem::create_symlink("libc-2.31.so", root / (libdir + "/libc.so.6"));
  DiskFileSystem fs(root.path());
  lockfile::Fingerprint fp;
  probe_os(fs, fp);
  ASSERT_TRUE(fp.os);
  EXPECT_EQ(fp.os->glibc, "2.31");
  EXPECT_EQ(fp.os->libstdcxx, "");
}

TEST_F(OsProbeRoot, AnEmptyRootIsEmptyNotAnError) {
  DiskFileSystem fs(root.path());
  lockfile::Fingerprint fp;
  probe_os(fs, fp);
  ASSERT_TRUE(fp.os);
  EXPECT_EQ(fp.os->arch, "");
  EXPECT_EQ(fp.os->glibc, "");
  EXPECT_EQ(fp.os->id, "");
  EXPECT_TRUE(fp.diagnostics.empty());
}

TEST_F(OsProbeRoot, ABrokenLibcIsADiagnostic) {
  write_file(root / (libdir + "/libc.so.6"), std::string("\x7f" "ELF\x02\x01\x01", 7) + std::string(100, '\xff'));
  DiskFileSystem fs(root.path());
  lockfile::Fingerprint fp;
  probe_os(fs, fp);
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].subject, "/" + libdir + "/libc.so.6");
}

TEST(OsProbeLive, MatchesTheHost) {
  DiskFileSystem fs = DiskFileSystem::live_host();
  lockfile::Fingerprint fp;
  probe_os(fs, fp);
  ASSERT_TRUE(fp.os);
  EXPECT_EQ(fp.os->kernel, chomp(read_file("/proc/sys/kernel/osrelease")));
  std::string libc = chomp(run("getconf GNU_LIBC_VERSION 2>/dev/null"));
  if (libc.starts_with("glibc ")) {
    EXPECT_EQ(fp.os->glibc, libc.substr(6));
  }
  EXPECT_EQ(fp.os->arch, chomp(run("uname -m")));
}

}  // namespace
}  // namespace envlock::scanner
