// Limits that keep a scan safe on a broken or hostile site directory: every
// file read into memory has a maximum size, FIFOs are never opened, symlink
// loops end, directory walks are bounded. Each gives a diagnostic naming the
// file, and the rest of the site is still scanned.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/python/package_catalog.hpp"
#include "scanner/python/python_probe.hpp"
#include "scanner/python/site_discovery.hpp"
#include "scanner/python/unlisted_files.hpp"
#include "support/process.hpp"
#include "support/paths.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;
using envlock::testing::write_file;

// A sparse file: `size` bytes that take no disk space.
void sparse_file(const std::string& path, off_t size) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, size), 0);
  ::close(fd);
}

void good_package(const std::string& site) {
  write_file(site + "/good-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: good\nVersion: 1.0\n");
}

lockfile::Fingerprint probe(const std::string& site) {
  DiskFileSystem fs("/");
  lockfile::Fingerprint fp;
  probe_python_packages(fs, {site}, {}, fp);
  return fp;
}

bool has_package(const lockfile::Fingerprint& fp, const std::string& name) {
  for (const auto& p : fp.packages) {
    if (p.name == name) return true;
  }
  return false;
}

TEST(HostileSite, AHundredMegabyteMetadataIsADiagnosticNamingIt) {
  TempDir tmp;
  good_package(tmp.path());
  std::string meta = tmp / "huge-1.0.dist-info/METADATA";
  sparse_file(meta, 100 << 20);
  auto fp = probe(tmp.path());
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].subject, meta);
  EXPECT_EQ(fp.diagnostics[0].message, meta + ": file is larger than the 16777216-byte limit");
  EXPECT_TRUE(has_package(fp, "good"));
}

TEST(HostileSite, AFifoNamedMetadataIsADiagnosticNotAHang) {
  TempDir tmp;
  good_package(tmp.path());
  std::filesystem::create_directories(tmp / "fifo-1.0.dist-info");
  ASSERT_EQ(::mkfifo((tmp / "fifo-1.0.dist-info/METADATA").c_str(), 0600), 0);
  auto fp = probe(tmp.path());
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].subject, tmp / "fifo-1.0.dist-info");
  EXPECT_EQ(fp.diagnostics[0].message, "no METADATA file");
  EXPECT_TRUE(has_package(fp, "good"));
}

TEST(HostileSite, AnOversizedOrFifoRecordLeavesThePackageUnverifiable) {
  TempDir tmp;
  write_file(tmp / "big-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: big\nVersion: 1.0\n");
  std::string record = tmp / "big-1.0.dist-info/RECORD";
  sparse_file(record, 100 << 20);
  write_file(tmp / "pipe-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pipe\nVersion: 1.0\n");
  ASSERT_EQ(::mkfifo((tmp / "pipe-1.0.dist-info/RECORD").c_str(), 0600), 0);
  auto fp = probe(tmp.path());
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].message, record + ": file is larger than the 67108864-byte limit");
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& p : fp.integrity) got.emplace_back(p.package, p.problem);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{{"big", "unverifiable"},
                                                                   {"pipe", "unverifiable"}}));
}

TEST(HostileSite, RecordRowsIntoProcAreNeverRead) {
  TempDir tmp;
  write_file(tmp / "evil-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n");
  // Climbing out of the site reaches the host's /proc: /proc/self/... would
  // be endless (kcore) or change under us.
  std::string up;
  for (int i = 0; i < 40; ++i) up += "../";
  write_file(tmp / "evil-1.0.dist-info/RECORD",
             up + "proc/kcore,sha256=AAAA,1\n" + up + "dev/zero,sha256=AAAA,1\n");
  auto fp = probe(tmp.path());
  ASSERT_EQ(fp.integrity.size(), 2u);
  for (const auto& p : fp.integrity) EXPECT_EQ(p.problem, "unverifiable") << p.path;
}

TEST(HostileSite, SymlinkLoopsEnd) {
  TempDir tmp;
  good_package(tmp.path());
  std::filesystem::create_symlink("loop-1.0.dist-info", tmp / "loop-1.0.dist-info");
  std::filesystem::create_symlink("b", tmp / "a");
  std::filesystem::create_symlink("a", tmp / "b");
  write_file(tmp / "pkg/__init__.py", "");
  write_file(tmp / "pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n");
  write_file(tmp / "pkg-1.0.dist-info/RECORD", "pkg/__init__.py,,\n");
  std::filesystem::create_symlink(".", tmp / "pkg/self");  // a cycle inside a package directory
  auto fp = probe(tmp.path());
  EXPECT_TRUE(has_package(fp, "good"));
  EXPECT_TRUE(has_package(fp, "pkg"));
  bool reported = false;
  for (const auto& p : fp.integrity) reported |= p.path == "pkg/self" && p.problem == "unowned";
  EXPECT_TRUE(reported) << "the symlink is reported, not followed";
}

// Nesting depth is the environment owner's choice: a depth limit would let
// 33 empty directories switch the search off. Any depth is searched.
TEST(HostileSite, DeepUnlistedTreesAreSearchedToTheBottom) {
  TempDir tmp;
  std::string site = tmp.path();
  std::string dir = site + "/pkg";
  write_file(dir + "/__init__.py", "");
  std::string rel = "pkg";
  for (int i = 0; i < 200; ++i) {
    dir += "/d";
    rel += "/d";
  }
  write_file(dir + "/x.py", "print('hidden')\n");
  DiskFileSystem fs("/");
  std::vector<lockfile::FileProblem> problems;
  std::vector<lockfile::Diagnostic> diagnostics;
  find_unlisted_files(fs, {{"pkg", site, {site + "/pkg/__init__.py"}}}, problems, diagnostics);
  EXPECT_TRUE(diagnostics.empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, rel + "/x.py");
  EXPECT_EQ(problems[0].problem, "unowned");
  EXPECT_EQ(problems[0].actual.rfind("sha256=", 0), 0u) << "an unowned file is pinned by content";
}

TEST(HostileSite, UnlistedSearchLimitsMakeTheResultIncomplete) {
  TempDir tmp;
  std::string site = tmp.path();
  write_file(site + "/pkg/__init__.py", "");
  for (int i = 0; i < 10; ++i) write_file(site + "/pkg/f" + std::to_string(i) + ".py", "");
  DiskFileSystem fs("/");
  auto run = [&](const UnlistedLimits& limits) {
    std::vector<lockfile::FileProblem> problems;
    std::vector<lockfile::Diagnostic> diagnostics;
    find_unlisted_files(fs, {{"pkg", site, {site + "/pkg/__init__.py"}}}, problems, diagnostics,
                        limits);
    EXPECT_EQ(diagnostics.size(), 1u);
    const lockfile::FileProblem* incomplete = nullptr;
    for (const auto& p : problems) {
      if (p.problem == "incomplete") incomplete = &p;
    }
    EXPECT_NE(incomplete, nullptr);
    return incomplete ? incomplete->detail : std::string();
  };
  UnlistedLimits limits;
  limits.max_entries = 4;
  EXPECT_EQ(run(limits),
            "more than 4 entries in package directories; stopped looking for unlisted files");
  limits = {};
  limits.max_path_bytes = 100;
  EXPECT_EQ(run(limits),
            "more than 100 bytes of paths in package directories; stopped looking for unlisted "
            "files");
  limits = {};
  write_file(site + "/pkg/big.bin", std::string(5000, 'x'));
  limits.max_hashed_bytes = 1000;
  EXPECT_EQ(run(limits),
            "more than 1000 bytes of unowned files; stopped looking for unlisted files");
}

// A directory that exists but cannot be listed (permissions, a path past
// PATH_MAX, an I/O error) hides what is inside it. Root lists anything, so
// the failure is injected by wrapping the live filesystem.
class UnlistableDir final : public FileSystem {
 public:
  UnlistableDir(const FileSystem& inner, std::string dir) : inner_(inner), dir_(std::move(dir)) {}
  Result<FileStat> stat(std::string_view p) const override { return inner_.stat(p); }
  Result<FileStat> lstat(std::string_view p) const override { return inner_.lstat(p); }
  Result<std::vector<DirEntry>> list(std::string_view p) const override {
    if (p == dir_) return fail(std::string(p) + ": Permission denied");
    return inner_.list(p);
  }
  Result<std::string> read(std::string_view p, std::uint64_t m) const override {
    return inner_.read(p, m);
  }
  Result<std::string> read_prefix(std::string_view p, std::uint64_t m) const override {
    return inner_.read_prefix(p, m);
  }
  Result<std::string> readlink(std::string_view p) const override { return inner_.readlink(p); }
  Result<std::string> realpath(std::string_view p) const override { return inner_.realpath(p); }
  Result<void> read_chunks(
      std::string_view p,
      const std::function<void(const char*, std::size_t)>& sink) const override {
    return inner_.read_chunks(p, sink);
  }
  std::string describe() const override { return inner_.describe(); }

 private:
  const FileSystem& inner_;
  std::string dir_;
};

TEST(HostileSite, AnUnlistableUnlistedDirectoryMakesTheResultIncomplete) {
  TempDir tmp;
  std::string site = tmp.path();
  write_file(site + "/pkg/__init__.py", "");
  write_file(site + "/pkg/hidden/x.py", "");
  DiskFileSystem live("/");
  UnlistableDir fs(live, site + "/pkg/hidden");
  std::vector<lockfile::FileProblem> problems;
  std::vector<lockfile::Diagnostic> diagnostics;
  find_unlisted_files(fs, {{"pkg", site, {site + "/pkg/__init__.py"}}}, problems, diagnostics);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].problem, "incomplete");
  EXPECT_EQ(problems[0].path, "pkg/hidden");
  EXPECT_EQ(problems[0].detail, "cannot list an unlisted directory: " + site +
                                    "/pkg/hidden: Permission denied; stopped looking for "
                                    "unlisted files");
}

// Regressions: a directory name whose minor overflowed std::stoi (an uncaught
// exception), and digit runs that made std::regex recurse off the stack.
TEST(HostileSite, RootDiscoverySurvivesHugeNumbers) {
  TempDir tmp;
  write_file(tmp / "usr/lib/python3.99999999999999999999/site-packages/x.py", "");
  write_file(tmp / "usr/lib/python3.11/site-packages/x.py", "");
  std::string digits(1 << 20, '7');
  write_file(tmp / "usr/include/python3.11/patchlevel.h", "#define PY_VERSION \"" + digits + "\n");
  write_file(tmp / "var/lib/dpkg/status",
             "Package: python3.11-minimal\nVersion: " + digits + "\nVersion: 3.11.2-6\n\n");
  DiskFileSystem fs(tmp.path());
  auto found = discover_python(fs, "/");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->python.version, "3.11.2");
  EXPECT_EQ(found->site_dirs, std::vector<std::string>{"/usr/lib/python3.11/site-packages"});
  // Only the first 64 KiB are looked at: the run never ends there.
  EXPECT_EQ(version_from_patchlevel("#define PY_VERSION \"" + digits + "\""), "");
  EXPECT_EQ(version_from_patchlevel("#define\tPY_VERSION  \"3.12.0rc1+\"\n"), "3.12.0rc1+");
}

// Replays the site_discovery_fuzz inputs that crashed, laid out on disk the
// way the fuzz target lays them out in memory (see tests/fuzz/site_discovery_fuzz.cpp).
TEST(HostileSite, SiteDiscoveryFuzzRegressionsReplay) {
  int replayed = 0;
  for (const auto& f : std::filesystem::directory_iterator(std::string(ENVLOCK_FIXTURES) +
                                                           "/fuzz/site_discovery")) {
    if (!f.path().filename().string().starts_with("regression_")) continue;
    std::string text = envlock::testing::read_file(f.path().string());
    std::vector<std::string> parts;
    for (std::size_t at; parts.size() < 5 && (at = text.find("\n@@\n")) != std::string::npos;) {
      parts.push_back(text.substr(0, at));
      text.erase(0, at + 4);
    }
    parts.push_back(text);
    parts.resize(6);
    TempDir tmp;
    write_file(tmp / "venv/pyvenv.cfg", parts[0]);
    write_file(tmp / "opt/conda/conda-meta/python-3.11.7-h0.json", parts[1]);
    write_file(tmp / "var/lib/dpkg/status", parts[2]);
    std::size_t start = 0;
    while (start < parts[4].size()) {
      std::size_t nl = parts[4].find('\n', start);
      std::string name = parts[4].substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      start = nl == std::string::npos ? parts[4].size() : nl + 1;
      for (std::string base : {"usr", "usr/local", "venv", "opt/conda"}) {
        write_file(tmp / (base + "/lib/" + name + "/site-packages/x.py"), "");
        write_file(tmp / (base + "/lib/" + name + "/os.py"), "");
        write_file(tmp / (base + "/lib/" + name + "/site.py"), parts[5]);
        write_file(tmp / (base + "/bin/" + name), "");
        write_file(tmp / (base + "/include/" + name + "/patchlevel.h"), parts[3]);
      }
    }
    DiskFileSystem fs(tmp.path());
    const std::string path = parts[5].substr(0, parts[5].find('\n'));
    for (const char* prefix : {"/", "/venv", "/opt/conda"}) {
      (void)discover_python(fs, prefix);
      (void)discover_python(fs, prefix, path);
    }
    ++replayed;
  }
  EXPECT_EQ(replayed, 2);
}

}  // namespace
}  // namespace envlock::scanner
