// Confinement through the real binary: nothing outside the target is read and
// no host content reaches the output, whatever links the target's owner plants
// (docs/integrity.md, "Confinement"). Each tree is built here; the "host" file
// is one this test writes outside the target, holding a marker that must never
// appear in what envlock prints.

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace envlock {
namespace {

using testing::envlock;
using testing::run;
using testing::TempDir;
using testing::write_file;

const std::string kMarker = "HOST-SECRET-7f3a9c";

std::string site_of(const std::string& venv) {
  for (const auto& e : std::filesystem::directory_iterator(venv + "/lib")) {
    std::string site = e.path().string() + "/site-packages";
    if (std::filesystem::is_directory(site)) return site;
  }
  return {};
}

// A package whose INSTALLER (and a second one whose METADATA, a third whose
// RECORD) is a link to the host file: absolute, and relative up and out.
void plant_links(const std::string& site, const std::string& secret) {
  const std::string meta = "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n";
  write_file(site + "/evil-1.0.dist-info/METADATA", meta);
  std::filesystem::create_symlink(secret, site + "/evil-1.0.dist-info/INSTALLER");
  std::filesystem::create_directories(site + "/evil2-1.0.dist-info");
  std::filesystem::create_symlink(secret, site + "/evil2-1.0.dist-info/METADATA");
  write_file(site + "/evil3-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil3\nVersion: 1.0\n");
  std::string up;
  for (int i = 0; i < 30; ++i) up += "../";
  std::filesystem::create_symlink(up + secret.substr(1), site + "/evil3-1.0.dist-info/RECORD");
}

nlohmann::json scan(const std::vector<std::string>& target, std::string* raw = nullptr) {
  std::vector<std::string> args{"scan", "--format", "json", "--no-cache"};
  args.insert(args.end(), target.begin(), target.end());
  auto r = envlock(args);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find(kMarker), std::string::npos) << "host content in the output";
  EXPECT_EQ(r.err.find(kMarker), std::string::npos) << "host content in the messages";
  if (raw) *raw = r.out;
  return nlohmann::json::parse(r.out);
}

std::vector<std::string> diagnostics_about(const nlohmann::json& scan, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& d : scan.value("diagnostics", nlohmann::json::array())) {
    std::string text = d.value("subject", "") + ": " + d.value("message", "");
    if (text.find(needle) != std::string::npos) out.push_back(text);
  }
  return out;
}

TEST(ScanConfinement, AVenvRootWithPyvenvCfgStaysConfined) {
  // pyvenv.cfg at the top used to switch confinement off: an absolute link
  // then read the host file into the lock as the package's installer.
  TempDir tmp;
  write_file(tmp / "secret", kMarker + "\n");
  const std::string venv = tmp / "venv";
  auto made = run({"python3", "-m", "venv", "--without-pip", venv});
  ASSERT_EQ(made.status, 0) << made.err;
  ASSERT_TRUE(std::filesystem::exists(venv + "/pyvenv.cfg"));
  const std::string site = site_of(venv);
  ASSERT_FALSE(site.empty());
  plant_links(site, tmp / "secret");
  for (bool fast : {false, true}) {
    std::vector<std::string> target{"--root", venv};
    if (fast) target.push_back("--fast");
    auto out = scan(target);
    bool evil = false;
    for (const auto& p : out["packages"]) {
      if (p["name"] != "evil") continue;
      evil = true;
      EXPECT_EQ(p.value("installer", ""), "");
      EXPECT_EQ(p["location"], site) << "a prefix keeps its host paths";
    }
    EXPECT_TRUE(evil);
    EXPECT_EQ(diagnostics_about(out, "evil-1.0.dist-info/INSTALLER: leaves " + site).size(), 1u) << out.dump();
    EXPECT_EQ(diagnostics_about(out, "evil2-1.0.dist-info/METADATA: leaves " + site).size(), 1u) << out.dump();
    EXPECT_EQ(diagnostics_about(out, "evil3-1.0.dist-info/RECORD: leaves " + site).size(), 1u) << out.dump();
  }
  // The lock written from it holds no host content either.
  auto locked = envlock({"lock", "--root", venv, "-o", tmp / "venv.lock"});
  ASSERT_EQ(locked.status, 0) << locked.err;
  EXPECT_EQ(testing::read_file(tmp / "venv.lock").find(kMarker), std::string::npos);
}

TEST(ScanConfinement, ASiteScanReadsNoMetadataLinkedFromOutside) {
  TempDir tmp;
  write_file(tmp / "secret", kMarker + "\n");
  const std::string site = tmp / "site";
  write_file(site + "/good-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: good\nVersion: 1.0\n");
  plant_links(site, tmp / "secret");
  auto out = scan({"--site", site});
  EXPECT_EQ(diagnostics_about(out, "evil-1.0.dist-info/INSTALLER: leaves " + site).size(), 1u) << out.dump();
  EXPECT_EQ(diagnostics_about(out, "evil2-1.0.dist-info/METADATA: leaves " + site).size(), 1u) << out.dump();
}

// Opens of FIFOs named "fifo" in `dirs` seen by inotify while `body` runs.
template <class F>
int fifo_opens(const std::vector<std::string>& dirs, F body) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  EXPECT_GE(fd, 0);
  for (const auto& d : dirs) EXPECT_GE(::inotify_add_watch(fd, d.c_str(), IN_OPEN), 0) << d;
  body();
  int opens = 0;
  alignas(inotify_event) char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* e = reinterpret_cast<inotify_event*>(p);
      if (e->len > 0 && std::string(e->name) == "fifo") ++opens;
      p += sizeof(inotify_event) + e->len;
    }
  }
  ::close(fd);
  return opens;
}

TEST(ScanConfinement, RecordRowsToDevicesAndFifosAreNeverOpened) {
  // A RECORD row climbing into /dev (a device node, or a FIFO an image put
  // there) reached the native probe, which opened it to read ELF bytes. Now
  // such paths are never opened, and a FIFO anywhere is refused unopened.
  TempDir tmp;
  const std::string root = tmp / "root";
  const std::string site = root + "/usr/lib/python3.11/site-packages";
  write_file(root + "/usr/lib/python3.11/os.py", "");
  write_file(site + "/evil-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n");
  std::filesystem::create_directories(root + "/dev");
  std::filesystem::create_directories(site + "/evil");
  ASSERT_EQ(::mkfifo((root + "/dev/fifo").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((site + "/evil/fifo").c_str(), 0600), 0);
  write_file(site + "/evil-1.0.dist-info/RECORD",
             "../../../../dev/fifo,sha256=AAAA,1\n../../../../dev/zero,sha256=AAAA,1\n"
             "evil/fifo,sha256=AAAA,1\nevil-1.0.dist-info/RECORD,,\n");
  for (const std::string& flag : {std::string("--root"), std::string("--site")}) {
    SCOPED_TRACE(flag);
    std::string target = flag == "--root" ? root : site;
    int opens = fifo_opens({root + "/dev", site + "/evil"}, [&] {
      auto out = scan({flag, target});  // returns: nothing waited for a writer
      bool unverifiable = false;
      for (const auto& p : out.value("integrity", nlohmann::json::array())) {
        unverifiable |= p["path"] == "../../../../dev/zero" && p["problem"] == "unverifiable";
      }
      // Inside a root the row names the root's /dev; from a site it names
      // a directory of this test, where the FIFO is refused by its type.
      if (flag == "--root") {
        EXPECT_TRUE(unverifiable) << out.dump();
      }
    });
    EXPECT_EQ(opens, 0);
  }
}

}  // namespace
}  // namespace envlock
