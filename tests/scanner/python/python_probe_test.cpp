#include "scanner/python/python_probe.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/sha256.hpp"
#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/cache/hash_cache.hpp"
#include "scanner/python/record_parser.hpp"
#include "scanner/support/native_build.hpp"
#include "scanner/cache/wall_clock.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

namespace envlock::scanner {
namespace {

using envlock::testing::TempDir;

lockfile::Fingerprint probe(const std::string& site, bool fast) {
  DiskFileSystem fs("/");
  lockfile::Fingerprint fp;
  PythonProbeOptions opts;
  opts.fast = fast;
  probe_python_packages(fs, {site}, opts, fp);
  return fp;
}

const lockfile::Package& pkg(const lockfile::Fingerprint& fp, std::string_view name) {
  for (const auto& p : fp.packages) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("no package " + std::string(name));
}

TEST(PythonProbe, FastAndFullDigestsAgreeOnAnUntouchedPackage) {
  std::string site = std::string(ENVLOCK_FIXTURES) + "/sites/basic";
  auto fast = probe(site, true);
  auto full = probe(site, false);
  EXPECT_EQ(pkg(fast, "good-pkg").files.digest, pkg(full, "good-pkg").files.digest);
  EXPECT_EQ(pkg(full, "good-pkg").files.count, 8u);
  EXPECT_TRUE(fast.integrity.empty());
  for (const auto& problem : full.integrity) {
    EXPECT_NE(problem.package, "good-pkg") << problem.path << " " << problem.problem;
  }
}

TEST(PythonProbe, FullScanCatchesAModifiedAndADeletedFile) {
  TempDir tmp;
  std::filesystem::copy(std::string(ENVLOCK_FIXTURES) + "/sites/basic", tmp.path(),
                        std::filesystem::copy_options::recursive);
  auto before = probe(tmp.path(), false);
  envlock::testing::write_file(tmp / "good_pkg/__init__.py", "print('patched')\n");
  std::filesystem::remove(tmp / "good_pkg-1.0.dist-info/REQUESTED");
  auto after = probe(tmp.path(), false);
  EXPECT_NE(pkg(before, "good-pkg").files.digest, pkg(after, "good-pkg").files.digest);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& p : after.integrity) {
    if (p.package == "good-pkg") got.emplace_back(p.path, p.problem);
  }
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], std::make_pair(std::string("good_pkg-1.0.dist-info/REQUESTED"), std::string("deleted")));
  EXPECT_EQ(got[1], std::make_pair(std::string("good_pkg/__init__.py"), std::string("modified")));
  // --fast trusts RECORD and cannot see it.
  auto fast = probe(tmp.path(), true);
  EXPECT_EQ(pkg(fast, "good-pkg").files.digest, pkg(before, "good-pkg").files.digest);
}

TEST(PythonProbe, PackagesWithoutAFileListAreUnverifiable) {
  auto full = probe(std::string(ENVLOCK_FIXTURES) + "/sites/basic", false);
  bool found = false;
  for (const auto& p : full.integrity) {
    if (p.package == "plainfile") {
      EXPECT_EQ(p.problem, "unverifiable");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

// ---- Installed-file verification: drop-ins, other hash algorithms, dpkg, cache ----

using envlock::testing::write_file;

std::string record_hash(const std::string& content) {
  return "sha256=" + urlsafe_b64(hex_decode(sha256_hex(content)));
}

// Installs a wheel-style package into `site`: its files, METADATA and a RECORD
// listing all of them with sha256 rows (RECORD itself without a hash).
void install(const std::string& site, const std::string& name,
             const std::map<std::string, std::string>& files) {
  std::string info = name + "-1.0.dist-info";
  std::map<std::string, std::string> all = files;
  all[info + "/METADATA"] = "Metadata-Version: 2.1\nName: " + name + "\nVersion: 1.0\n";
  std::string record;
  for (const auto& [rel, content] : all) {
    write_file(site + "/" + rel, content);
    record += rel + "," + record_hash(content) + "," + std::to_string(content.size()) + "\n";
  }
  record += info + "/RECORD,,\n";
  write_file(site + "/" + info + "/RECORD", record);
}

using Problems = std::vector<std::tuple<std::string, std::string, std::string>>;

// (path, problem, package), sorted, for every integrity problem of the scan.
Problems problems(const lockfile::Fingerprint& fp) {
  Problems out;
  for (const auto& p : fp.integrity) out.emplace_back(p.path, p.problem, p.package);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PythonProbe, DropInsInsidePackageDirectoriesAreUnowned) {
  TempDir tmp;
  std::string site = tmp / "site";
  install(site, "alpha", {{"alpha/__init__.py", "A = 1\n"}, {"alpha/sub/mod.py", "B = 2\n"},
                          {"alpha/__pycache__/__init__.cpython-311.pyc", "pyc"}});
  EXPECT_TRUE(problems(probe(site, false)).empty());

  write_file(site + "/alpha/evil.py", "import os\n");
  write_file(site + "/alpha/sub/deeper/evil2.py", "");                  // a new subpackage
  write_file(site + "/alpha/sourceless.pyc", "");                       // importable on its own
  // Python writes these; the bytecode rules, not the drop-in search, judge them.
  write_file(site + "/alpha/__pycache__/evil.cpython-311.pyc", "");
  write_file(site + "/alpha/sub/__pycache__/mod.cpython-311.pyc", "");
  write_file(site + "/alpha-1.0.dist-info/entry_points.txt", "");       // metadata dirs too
  std::filesystem::create_symlink("/etc/passwd", site + "/alpha/link.py");
  ASSERT_EQ(::mkfifo((site + "/alpha/fifo.py").c_str(), 0600), 0);
  write_file(site + "/README.txt", "");         // the site dir itself is no package's
  write_file(site + "/stray/x.py", "");         // nor is a directory no package lists into
  Problems expected{
      {"alpha-1.0.dist-info/entry_points.txt", "unowned", "alpha"},
      {"alpha/evil.py", "unowned", "alpha"},
      {"alpha/fifo.py", "unowned", "alpha"},
      {"alpha/link.py", "unowned", "alpha"},
      {"alpha/sourceless.pyc", "unowned", "alpha"},
      {"alpha/sub/deeper/evil2.py", "unowned", "alpha"},
  };
  EXPECT_EQ(problems(probe(site, false)), expected);
  // --fast trusts the file lists and does not look for files they do not name.
  EXPECT_TRUE(problems(probe(site, true)).empty());
  for (const auto& p : probe(site, false).integrity) EXPECT_EQ(p.location, site);
}

TEST(PythonProbe, NamespaceDirectoriesAreOwnedByEachPackage) {
  TempDir tmp;
  std::string site = tmp / "site";
  install(site, "ns_a", {{"ns/a/__init__.py", ""}});
  install(site, "ns_b", {{"ns/b/__init__.py", ""}});
  write_file(site + "/ns/evil.py", "");
  write_file(site + "/ns/a/evil.py", "");
  EXPECT_EQ(problems(probe(site, false)),
            (Problems{{"ns/a/evil.py", "unowned", "ns-a"}, {"ns/evil.py", "unowned", "ns-a,ns-b"}}));
}

TEST(PythonProbe, OtherHashAlgorithmsAreVerified) {
  TempDir tmp;
  std::string site = tmp / "site";
  install(site, "strong", {{"strong/__init__.py", "x\n"}});
  // Rewrite the row of __init__.py as sha512 and add a row with an unknown algorithm.
  std::string record = envlock::testing::read_file(site + "/strong-1.0.dist-info/RECORD");
  std::string row_start = "strong/__init__.py,";
  auto pos = record.find(row_start);
  ASSERT_NE(pos, std::string::npos);
  record.erase(pos, record.find('\n', pos) + 1 - pos);
  // sha512 of "x\n" as hashlib writes it.
  auto py = envlock::testing::run(
      {"python3", "-c",
       "import hashlib,base64;print(base64.urlsafe_b64encode(hashlib.sha512(b'x\\n').digest()).rstrip(b'=').decode())"});
  ASSERT_EQ(py.status, 0) << py.err;
  std::string digest = py.out.substr(0, py.out.find('\n'));
  record += "strong/__init__.py,sha512=" + digest + ",2\n";
  record += "strong/other.py,sha999=AAAA,0\n";
  write_file(site + "/strong/other.py", "");
  write_file(site + "/strong-1.0.dist-info/RECORD", record);
  EXPECT_EQ(problems(probe(site, false)), (Problems{{"strong/other.py", "unverifiable", "strong"}}));

  write_file(site + "/strong/__init__.py", "y\n");
  auto fp = probe(site, false);
  ASSERT_EQ(fp.integrity.size(), 2u);
  const auto& modified = fp.integrity[0].path == "strong/__init__.py" ? fp.integrity[0] : fp.integrity[1];
  EXPECT_EQ(modified.problem, "modified");
  EXPECT_EQ(modified.expected, "sha512=" + digest);
  EXPECT_TRUE(modified.actual.starts_with("sha512=")) << modified.actual;
  EXPECT_NE(modified.actual, modified.expected);
}

// Like an image: SHA-256s taken while streaming, but no content of large files.
class HashesOnlyFileSystem final : public FileSystem {
 public:
  Result<FileStat> stat(std::string_view p) const override { return live_.stat(p); }
  Result<FileStat> lstat(std::string_view p) const override { return live_.lstat(p); }
  Result<std::vector<DirEntry>> list(std::string_view d) const override { return live_.list(d); }
  Result<std::string> read(std::string_view p, std::uint64_t max) const override { return live_.read(p, max); }
  Result<std::string> read_prefix(std::string_view p, std::uint64_t max) const override {
    return live_.read_prefix(p, max);
  }
  Result<std::string> readlink(std::string_view p) const override { return live_.readlink(p); }
  Result<std::string> realpath(std::string_view p) const override { return live_.realpath(p); }
  Result<void> read_chunks(std::string_view p,
                           const std::function<void(const char*, std::size_t)>&) const override {
    return fail(std::string(p) + ": content not retained");
  }
  Result<std::string> sha256(std::string_view p) const override { return live_.sha256(p); }
  std::string describe() const override { return "hashes-only"; }

 private:
  DiskFileSystem live_{"/"};
};

TEST(PythonProbe, AHashTheFilesystemCannotComputeLeavesThePackageUnverifiable) {
  TempDir tmp;
  std::string site = tmp / "site";
  install(site, "strong", {{"strong/__init__.py", "x\n"}});
  std::string record = envlock::testing::read_file(site + "/strong-1.0.dist-info/RECORD");
  record.replace(record.find("strong/__init__.py,sha256="), 26, "strong/__init__.py,sha512=");
  write_file(site + "/strong-1.0.dist-info/RECORD", record);
  HashesOnlyFileSystem fs;
  lockfile::Fingerprint fp;
  probe_python_packages(fs, {site}, {}, fp);
  EXPECT_EQ(problems(fp), (Problems{{"strong-1.0.dist-info", "unverifiable", "strong"}}));
}

TEST(PythonProbe, AFileReplacedByAFifoIsModifiedNotAHang) {
  TempDir tmp;
  std::string site = tmp / "site";
  install(site, "alpha", {{"alpha/__init__.py", "A = 1\n"}});
  std::filesystem::remove(site + "/alpha/__init__.py");
  ASSERT_EQ(::mkfifo((site + "/alpha/__init__.py").c_str(), 0600), 0);
  EXPECT_EQ(problems(probe(site, false)), (Problems{{"alpha/__init__.py", "modified", "alpha"}}));
}

// A Debian root filesystem with an egg-info (no RECORD) whose files dpkg's
// database lists, scanned as `--root` does: paths inside the tree.
struct DebianSite {
  TempDir tmp;
  std::string site = "/usr/lib/python3/dist-packages";
  std::string host_site = tmp.path() + site;
  explicit DebianSite(bool with_md5sums = true) {
    write_file(host_site + "/deb_pkg-2.0.egg-info/PKG-INFO",
               "Metadata-Version: 1.2\nName: deb-pkg\nVersion: 2.0\n");
    write_file(host_site + "/deb_pkg/__init__.py", "D = 1\n");
    std::string list = "/.\n/usr\n/usr/lib/python3\n" + site + "\n" + site + "/deb_pkg\n" + site +
                       "/deb_pkg-2.0.egg-info\n";
    std::string sums;
    for (std::string rel : {"deb_pkg/__init__.py", "deb_pkg-2.0.egg-info/PKG-INFO"}) {
      list += site + "/" + rel + "\n";
      auto md5 = envlock::testing::run({"md5sum", host_site + "/" + rel});
      sums += md5.out.substr(0, 32) + "  " + (site + "/" + rel).substr(1) + "\n";
    }
    std::string info = tmp / "var/lib/dpkg/info";
    write_file(info + "/python3-deb-pkg.list", list);
    if (with_md5sums) write_file(info + "/python3-deb-pkg.md5sums", sums);
    write_file(info + "/unrelated.list", "/usr/bin/true\n");
  }
  lockfile::Fingerprint probe(bool fast = false) const {
    DiskFileSystem fs(tmp.path());
    lockfile::Fingerprint fp;
    PythonProbeOptions opts;
    opts.fast = fast;
    probe_python_packages(fs, {site}, opts, fp);
    return fp;
  }
};

TEST(PythonProbe, DebianEggInfoIsVerifiedFromDpkgMd5sums) {
  DebianSite deb;
  auto clean = deb.probe();
  EXPECT_TRUE(clean.integrity.empty()) << clean.integrity.size();
  EXPECT_EQ(pkg(clean, "deb-pkg").files.count, 2u);

  write_file(deb.host_site + "/deb_pkg/__init__.py", "D = 2\n");
  write_file(deb.host_site + "/deb_pkg/evil.py", "");
  // Another .deb's file in the package directory is dpkg's, not a drop-in.
  write_file(deb.host_site + "/deb_pkg/_ext.so", "");
  write_file(deb.tmp / "var/lib/dpkg/info/python3-deb-pkg-lib:amd64.list",
             deb.site + "/deb_pkg\n" + deb.site + "/deb_pkg/_ext.so\n");
  auto fp = deb.probe();
  ASSERT_EQ(fp.integrity.size(), 2u);
  std::sort(fp.integrity.begin(), fp.integrity.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  EXPECT_EQ(fp.integrity[0].path, "deb_pkg/__init__.py");
  EXPECT_EQ(fp.integrity[0].problem, "modified");
  EXPECT_TRUE(fp.integrity[0].expected.starts_with("md5=")) << fp.integrity[0].expected;
  EXPECT_EQ(fp.integrity[0].expected.size(), 4u + 32u) << "dpkg's hex, as dpkg writes it";
  EXPECT_TRUE(fp.integrity[0].actual.starts_with("md5="));
  EXPECT_EQ(fp.integrity[1].path, "deb_pkg/evil.py");
  EXPECT_EQ(fp.integrity[1].problem, "unowned");
  EXPECT_EQ(fp.integrity[1].package, "deb-pkg");
}

TEST(PythonProbe, DebianEggInfoWithoutMd5sumsIsUnverifiableButGuarded) {
  DebianSite deb(false);
  write_file(deb.host_site + "/deb_pkg/evil.py", "");
  EXPECT_EQ(problems(deb.probe()),
            (Problems{{"deb_pkg-2.0.egg-info", "unverifiable", "deb-pkg"},
                      {"deb_pkg/evil.py", "unowned", "deb-pkg"}}));
}

TEST(PythonProbe, DebiansStaleRecordGivesWayToDpkg) {
  // Debian ships the wheel's RECORD, then strips the .so and moves scripts:
  // without INSTALLER, a dist-info dpkg installed is checked against dpkg.
  DebianSite deb;
  std::string info = deb.host_site + "/deb_whl-1.0.dist-info";
  write_file(info + "/METADATA", "Metadata-Version: 2.1\nName: deb-whl\nVersion: 1.0\n");
  write_file(deb.host_site + "/deb_whl/_ext.so", "stripped");
  write_file(info + "/RECORD", "deb_whl/_ext.so,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,9\n"
                               "../scripts/tool,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,1\n"
                               "deb_whl-1.0.dist-info/RECORD,,\n");
  std::string list, sums;
  for (std::string rel : {"deb_whl/_ext.so", "deb_whl-1.0.dist-info/METADATA", "deb_whl-1.0.dist-info/RECORD"}) {
    list += deb.site + "/" + rel + "\n";
    auto md5 = envlock::testing::run({"md5sum", deb.host_site + "/" + rel});
    sums += md5.out.substr(0, 32) + "  " + (deb.site + "/" + rel).substr(1) + "\n";
  }
  write_file(deb.tmp / "var/lib/dpkg/info/python3-deb-whl.list", list + deb.site + "/deb_whl-1.0.dist-info\n");
  write_file(deb.tmp / "var/lib/dpkg/info/python3-deb-whl.md5sums", sums);
  auto fp = deb.probe();
  EXPECT_TRUE(problems(fp).empty()) << std::get<0>(problems(fp).front());
  EXPECT_EQ(pkg(fp, "deb-whl").files.count, 3u);
  // pip's own installs (INSTALLER) keep their RECORD; what dpkg installed
  // is still nobody's drop-in.
  write_file(info + "/INSTALLER", "pip\n");
  EXPECT_EQ(problems(deb.probe()),
            (Problems{{"../scripts/tool", "deleted", "deb-whl"},
                      {"deb_whl-1.0.dist-info/INSTALLER", "unowned", "deb-whl"},
                      {"deb_whl/_ext.so", "modified", "deb-whl"}}));
}

TEST(PythonProbe, CachedRescanIsIdenticalAndABadCacheChangesNothing) {
  TempDir tmp;
  std::string site = tmp / "site";
  install(site, "alpha", {{"alpha/__init__.py", "A = 1\n"}, {"alpha/big.bin", std::string(1 << 20, 'z')}});
  write_file(site + "/alpha/evil.py", "");
  DiskFileSystem fs("/");
  std::string cache_file = tmp / "cache/envlock/file-hashes.bin";
  auto scan = [&] {
    // An hour ahead: files this test just wrote count as old enough to cache.
    HashCache cache(cache_file, wall_clock_ns() + 3600'000'000'000);
    PythonProbeOptions opts;
    opts.cache = &cache;
    lockfile::Fingerprint fp;
    probe_python_packages(fs, {site}, opts, fp);
    EXPECT_TRUE(cache.save());
    lockfile::canonicalize(fp);
    return fp;
  };
  auto uncached = probe(site, false);
  lockfile::canonicalize(uncached);
  auto cold = scan();
  ASSERT_GT(HashCache(cache_file, wall_clock_ns()).size(), 0u);
  auto warm = scan();
  for (const auto* fp : {&cold, &warm}) {
    EXPECT_EQ(pkg(*fp, "alpha").files.digest, pkg(uncached, "alpha").files.digest);
    EXPECT_EQ(problems(*fp), problems(uncached));
  }
  write_file(cache_file, "garbage");
  auto garbled = scan();
  EXPECT_EQ(pkg(garbled, "alpha").files.digest, pkg(uncached, "alpha").files.digest);
  // A change after a warm scan is seen, cache or not.
  write_file(site + "/alpha/__init__.py", "A = 2\n");
  auto changed = scan();
  EXPECT_EQ(problems(changed), (Problems{{"alpha/__init__.py", "modified", "alpha"},
                                         {"alpha/evil.py", "unowned", "alpha"}}));
}

// What Python can load must be checked: ELF objects under a site directory
// that no file list names are in the native closure, through the binary on
// a root (an image gives the same: dpkg_files_test.cpp). Only they need
// libstray.so.1, so removing it blocks only because they are looked at.
TEST(PythonProbe, ElfObjectsNoFileListNamesAreInTheNativeClosure) {
  TempDir tmp;
  const std::string root = tmp / "root";
  const std::string site = "/usr/lib/python3/dist-packages";
  const std::string libdir = "/usr/lib/x86_64-linux-gnu";
  write_file(root + "/usr/lib/python3.11/os.py", "");
  const std::string code = "int stray(void);\nint f(void) { return stray(); }\n";
  const std::string link =
      "-shared -nostdlib -Wl,--no-as-needed -L" + root + libdir + " -l:libstray.so.1";
  ASSERT_EQ(
      native_test::compile("int stray(void) { return 1; }\n", root + libdir + "/libstray.so.1",
                           "-shared -nostdlib -Wl,-soname,libstray.so.1"),
      "");
  // A pip-installed package: its own extension module needs nothing.
  ASSERT_EQ(native_test::compile("int g(void) { return 0; }\n", root + site + "/good/_ext.so",
                                 "-shared -nostdlib"),
            "");
  write_file(root + site + "/good/__init__.py", "");
  std::string record;
  for (const char* f : {"good/__init__.py", "good/_ext.so"}) {
    std::string bytes = testing::read_file(root + site + "/" + f);
    record += std::string(f) +
              ",sha256=" + urlsafe_b64(hex_decode(sha256_hex(bytes))) + "," +
              std::to_string(bytes.size()) + "\n";
  }
  write_file(root + site + "/good-1.0.dist-info/METADATA",
             "Metadata-Version: 2.1\nName: good\nVersion: 1.0\n");
  write_file(root + site + "/good-1.0.dist-info/INSTALLER", "pip\n");
  write_file(root + site + "/good-1.0.dist-info/RECORD", record + "good-1.0.dist-info/RECORD,,\n");
  // Loadable, listed nowhere: a drop-in in the package's directory, a module
  // at the top of the site, one in a directory no package owns.
  const std::string dropin = site + "/good/_dropin.cpython-311-x86_64-linux-gnu.so";
  const std::string loose = site + "/_loose.cpython-311-x86_64-linux-gnu.so";
  const std::string nested = site + "/stray/_mod.cpython-311-x86_64-linux-gnu.so";
  for (const auto& object : {dropin, loose, nested}) {
    ASSERT_EQ(native_test::compile(code, root + object, link), "");
    std::filesystem::remove(root + object + ".c");
  }
  std::filesystem::remove(root + site + "/good/_ext.so.c");
  std::filesystem::remove(root + libdir + "/libstray.so.1.c");

  auto scan = [&](bool fast) {
    std::vector<std::string> args = {"scan", "--root", root, "--format", "json"};
    if (fast) args.push_back("--fast");
    auto r = testing::envlock(args);
    EXPECT_EQ(r.status, 0) << r.err;
    std::map<std::string, std::string> native;  // path -> owner, resolved libstray
    const auto report = nlohmann::json::parse(r.out);
    for (const auto& n : report["native"]) {
      std::string resolved = n["resolved"].value("libstray.so.1", std::string("-"));
      native[n["path"]] = n["owner"].get<std::string>() + " " + resolved;
    }
    return native;
  };
  // Ground truth: ldd, with the root's library directory mapped.
  for (const auto& object : {dropin, loose, nested}) {
    auto ldd = testing::sh("env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH='" + root + libdir +
                           "' ldd '" + root + object + "'");
    EXPECT_NE(ldd.out.find("libstray.so.1 => " + root + libdir + "/libstray.so.1"),
              std::string::npos)
        << ldd.out;
  }
  const std::string lib = libdir + "/libstray.so.1";
  EXPECT_EQ(scan(false), (std::map<std::string, std::string>{{site + "/good/_ext.so", "good -"},
                                                             {dropin, " " + lib},
                                                             {loose, " " + lib},
                                                             {nested, " " + lib},
                                                             {lib, "system -"}}));
  // --fast walks no directory: only the top of the site is looked at.
  EXPECT_EQ(scan(true),
            (std::map<std::string, std::string>{
                {site + "/good/_ext.so", "good -"}, {loose, " " + lib}, {lib, "system -"}}));

  auto lock = testing::envlock({"lock", "--root", root, "-o", tmp / "env.lock"});
  ASSERT_EQ(lock.status, 0) << lock.err;
  std::filesystem::remove(root + lib);
  auto check = testing::envlock({"check", "--lock", tmp / "env.lock", "--root", root});
  EXPECT_EQ(check.status, 1) << check.out << check.err;
  EXPECT_NE(check.out.find("native-missing"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("libstray.so.1 needed by " + loose + " (and 2 other objects)"),
            std::string::npos)
      << check.out;
}

}  // namespace
}  // namespace envlock::scanner
