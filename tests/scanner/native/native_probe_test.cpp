#include "scanner/native/native_probe.hpp"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/support/native_build.hpp"

namespace envlock::scanner {
namespace {

using native_test::compile;
using native_test::run;
using native_test::TempDir;
using native_test::write_file;

constexpr const char* kSource = "#include <stdio.h>\nvoid hello(void) { puts(\"x\"); }\n";

/// ldd's view of one object: name -> path ("" for not found); names ldd
/// prints without "=>" (the dynamic loader) are absent.
std::map<std::string, std::string> ldd_map(const std::string& path) {
  std::istringstream out(run("env -i PATH=/usr/bin:/bin ldd '" + path + "' 2>&1"));
  std::regex found(R"(^\s+(\S+) => (\S+) \(0x[0-9a-f]+\)$)");
  std::regex missing(R"(^\s+(\S+) => not found$)");
  std::map<std::string, std::string> m;
  for (std::string line; std::getline(out, line);) {
    std::smatch s;
    if (std::regex_match(line, s, found)) m[s[1]] = s[2];
    else if (std::regex_match(line, s, missing)) m[s[1]] = "";
  }
  return m;
}

/// A site directory as auditwheel leaves it: an extension module that finds
/// its bundled library through RUNPATH $ORIGIN/../pkg.libs, plus noise.
class NativeProbeSite : public ::testing::Test {
 protected:
  void SetUp() override {
    site = dir / "site";
    ASSERT_EQ(compile(kSource, site + "/pkg.libs/libbundled-1a2b.so.1", "-shared -Wl,-soname,libbundled-1a2b.so.1"), "");
    ASSERT_EQ(compile(kSource, dir / "gone/libgone.so.3", "-shared -Wl,-soname,libgone.so.3"), "");
    ASSERT_EQ(compile(kSource, site + "/pkg/_ext.cpython-311-x86_64-linux-gnu.so",
                      "-shared -Wl,--no-as-needed -L" + site + "/pkg.libs -l:libbundled-1a2b.so.1 -L" +
                          (dir / "gone") + " -l:libgone.so.3 -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../pkg.libs'"),
              "");
    std::filesystem::remove(dir / "gone/libgone.so.3");
    ASSERT_EQ(compile(kSource, site + "/other/_other.so", "-shared -Wl,--no-as-needed -lm"), "");
    write_file(site + "/pkg/broken.so", std::string("\x7f" "ELF\x02\x01", 6));
    write_file(site + "/pkg/tool", "#!/bin/sh\necho hi\n");
    write_file(site + "/pkg/__init__.py", "");
    files = {{site + "/pkg/_ext.cpython-311-x86_64-linux-gnu.so", "pkg"},
             {site + "/pkg.libs/libbundled-1a2b.so.1", "pkg"},
             {site + "/pkg/broken.so", "pkg"},
             {site + "/pkg/tool", "pkg"},
             {site + "/pkg/__init__.py", "pkg"},
             {site + "/other/_other.so", "other"}};
  }
  const lockfile::Native* find(const lockfile::Fingerprint& fp, const std::string& path) {
    for (const auto& n : fp.native)
      if (n.path == path) return &n;
    return nullptr;
  }
  TempDir dir;
  std::string site;
  std::vector<NativeCandidate> files;
  DiskFileSystem fs{"/"};
};

TEST_F(NativeProbeSite, RecordsShippedObjectsAndTheirSystemClosure) {
  lockfile::Fingerprint fp;
  probe_native(fs, files, {}, fp);

  const auto* ext = find(fp, site + "/pkg/_ext.cpython-311-x86_64-linux-gnu.so");
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(ext->owner, "pkg");
  EXPECT_EQ(ext->soname, "");
  EXPECT_EQ(ext->needed, (std::vector<std::string>{"libbundled-1a2b.so.1", "libgone.so.3", "libc.so.6"}));
  EXPECT_EQ(ext->resolved.at("libbundled-1a2b.so.1"), site + "/pkg/../pkg.libs/libbundled-1a2b.so.1");
  EXPECT_EQ(ext->resolved.at("libgone.so.3"), "");
  EXPECT_NE(ext->glibc_max, "");
  EXPECT_TRUE(std::is_sorted(ext->version_needs.begin(), ext->version_needs.end()));
  std::string sha = run("sha256sum '" + ext->path + "'").substr(0, 64);
  EXPECT_EQ(ext->sha256, sha);

  const auto* bundled = find(fp, site + "/pkg.libs/libbundled-1a2b.so.1");
  ASSERT_NE(bundled, nullptr);
  EXPECT_EQ(bundled->owner, "pkg");
  EXPECT_EQ(bundled->soname, "libbundled-1a2b.so.1");
  // Reached through $ORIGIN/.., it is still the package's file, not a system library.
  EXPECT_EQ(find(fp, site + "/pkg/../pkg.libs/libbundled-1a2b.so.1"), nullptr);

  const auto* libc = find(fp, ext->resolved.at("libc.so.6"));
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ(libc->owner, "system");
  EXPECT_EQ(libc->soname, "libc.so.6");
  EXPECT_EQ(libc->sha256.size(), 64u);
  const auto* other = find(fp, site + "/other/_other.so");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->owner, "other");
  EXPECT_NE(find(fp, other->resolved.at("libm.so.6")), nullptr);

  // Not ELF: no entry, no diagnostic. A truncated ELF: an entry and a diagnostic.
  EXPECT_EQ(find(fp, site + "/pkg/tool"), nullptr);
  EXPECT_EQ(find(fp, site + "/pkg/__init__.py"), nullptr);
  ASSERT_NE(find(fp, site + "/pkg/broken.so"), nullptr);
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].subject, site + "/pkg/broken.so");
  EXPECT_EQ(fp.diagnostics[0].message, site + "/pkg/broken.so: truncated ELF header");

  EXPECT_TRUE(std::is_sorted(fp.native.begin(), fp.native.end(),
                             [](const auto& a, const auto& b) { return a.path < b.path; }));
  // Every resolved path has its own entry (under another name when ld.so's path has "..").
  std::set<std::string> entries;
  for (const auto& n : fp.native) entries.insert(std::filesystem::canonical(n.path).string());
  for (const auto& n : fp.native)
    for (const auto& [name, path] : n.resolved)
      if (!path.empty()) {
        EXPECT_EQ(entries.count(std::filesystem::canonical(path).string()), 1u) << n.path << " -> " << path;
      }
}

TEST_F(NativeProbeSite, AgreesWithLddOnEveryObject) {
  lockfile::Fingerprint fp;
  probe_native(fs, files, {}, fp);
  ASSERT_GE(fp.native.size(), 5u);
  for (const auto& n : fp.native) {
    if (n.path.ends_with("broken.so")) continue;
    SCOPED_TRACE(n.path);
    auto want = ldd_map(n.path);
    for (const auto& [name, path] : n.resolved) {
      auto it = want.find(name);
      if (it == want.end()) continue;  // the loader itself: ldd prints it without "=>"
      EXPECT_EQ(path, it->second) << name;
    }
    for (const auto& name : n.needed) EXPECT_EQ(n.resolved.count(name), 1u) << name;
  }
}

TEST_F(NativeProbeSite, ThreadsAndHashingOptions) {
  lockfile::Fingerprint one, many, fast;
  probe_native(fs, files, {{}, true, 1}, one);
  probe_native(fs, files, {{}, true, 4}, many);
  probe_native(fs, files, {{}, false, 0}, fast);
  ASSERT_EQ(one.native.size(), many.native.size());
  for (std::size_t i = 0; i < one.native.size(); ++i) {
    EXPECT_EQ(one.native[i].path, many.native[i].path);
    EXPECT_EQ(one.native[i].sha256, many.native[i].sha256);
    EXPECT_EQ(one.native[i].resolved, many.native[i].resolved);
  }
  for (const auto& n : fast.native) EXPECT_EQ(n.sha256, "") << n.path;
}

TEST_F(NativeProbeSite, LdLibraryPathFindsWhatIsOtherwiseMissing) {
  ASSERT_EQ(compile(kSource, dir / "extra/libgone.so.3", "-shared -Wl,-soname,libgone.so.3"), "");
  lockfile::Fingerprint fp;
  NativeOptions opts;
  opts.ld_library_path = {dir / "extra"};
  probe_native(fs, files, opts, fp);
  const auto* ext = find(fp, site + "/pkg/_ext.cpython-311-x86_64-linux-gnu.so");
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(ext->resolved.at("libgone.so.3"), dir / "extra/libgone.so.3");
  const auto* gone = find(fp, dir / "extra/libgone.so.3");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->owner, "system");
}

TEST_F(NativeProbeSite, FillsTheCudaTable) {
  std::string lib = site + "/nvidia/cuda_runtime/lib/libcudart.so.12";
  ASSERT_EQ(compile(kSource, lib, "-shared -Wl,-soname,libcudart.so.12"), "");
  write_file(site + "/nvidia/cuda_runtime/include/cuda_runtime_api.h", "#define CUDART_VERSION 12010\n");
  files.push_back({lib, "nvidia-cuda-runtime-cu12"});
  lockfile::Fingerprint fp;
  probe_native(fs, files, {}, fp);
  EXPECT_EQ(fp.cuda, (std::map<std::string, std::string>{{"cudart", "12.1"}}));
}

TEST(NativeProbe, PathsInDevProcAndSysAndFifosAreNeverOpened) {
  // RECORD rows such as "../../../../dev/zero" reach the probe as /dev/zero;
  // a FIFO may sit anywhere. inotify sees every open of the two FIFOs here.
  TempDir root;
  std::filesystem::create_directories(root / "dev");
  std::filesystem::create_directories(root / "site");
  ASSERT_EQ(::mkfifo((root / "dev/fifo").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((root / "site/fifo").c_str(), 0600), 0);
  int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ASSERT_GE(watch, 0);
  ASSERT_GE(::inotify_add_watch(watch, (root / "dev").c_str(), IN_OPEN), 0);
  ASSERT_GE(::inotify_add_watch(watch, (root / "site").c_str(), IN_OPEN), 0);
  DiskFileSystem fs(root.path());
  lockfile::Fingerprint fp;
  probe_native(fs, {{"/dev/fifo", "evil"}, {"/dev/zero", "evil"}, {"/proc/self/exe", "evil"}, {"/site/fifo", "evil"}},
               {}, fp);
  EXPECT_TRUE(fp.native.empty());
  alignas(inotify_event) char buf[4096];
  ssize_t n = ::read(watch, buf, sizeof buf);
  ::close(watch);
  EXPECT_LT(n, 0) << "a FIFO was opened";
}

}  // namespace
}  // namespace envlock::scanner
