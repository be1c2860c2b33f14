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

// A one-layer OCI layout with a Python directory, written by Python's own
// tarfile and json; prints the config digest.
const char* kWriteLayout = R"PY(
import hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
    for name in ["etc", "usr", "usr/lib", "usr/lib/python3.11", "usr/lib/python3.11/site-packages"]:
        ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; tf.addfile(ti)
    data = b"ID=test\n"
    ti = tarfile.TarInfo("etc/os-release"); ti.size = len(data); tf.addfile(ti, io.BytesIO(data))
layer = buf.getvalue()
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    os.makedirs(out + "/blobs/sha256", exist_ok=True)
    with open(out + "/blobs/sha256/" + h, "wb") as f: f.write(data)
    return "sha256:" + h
ld = blob(layer)
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": [ld]}}).encode()
cd = blob(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": len(layer)}]}).encode()
md = blob(manifest)
with open(out + "/index.json", "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                  "digest": md, "size": len(manifest)}]}, f)
with open(out + "/oci-layout", "w") as f: f.write('{"imageLayoutVersion": "1.0.0"}')
print(cd[7:])
)PY";

TEST(ScanConfinement, AnOciBlobLinkedToAHostFileIsRefusedWithoutItsDigest) {
  TempDir tmp;
  const std::string layout = tmp / "layout";
  auto made = run({"python3", "-c", kWriteLayout, layout});
  ASSERT_EQ(made.status, 0) << made.err;
  const std::string hex = made.out.substr(0, made.out.find('\n'));
  ASSERT_EQ(envlock({"scan", "--image", layout, "--format", "json"}).status, 0) << "the layout itself is fine";

  write_file(tmp / "host", kMarker + "\n");
  const std::string host_hex = run({"sh", "-c", "sha256sum " + tmp / "host"}).out.substr(0, 64);
  const std::string config = layout + "/blobs/sha256/" + hex;
  std::filesystem::remove(config);
  std::filesystem::create_symlink(tmp / "host", config);
  for (const char* command : {"scan", "lock"}) {
    std::vector<std::string> args{command, "--image", layout};
    if (std::string(command) == "lock") args.insert(args.end(), {"-o", tmp / "l.toml"});
    auto r = envlock(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err, "envlock: error: " + layout + ": blobs/sha256/" + hex + ": is a symbolic link\n");
    EXPECT_EQ(r.err.find(host_hex), std::string::npos);
    EXPECT_EQ(r.out.find(kMarker), std::string::npos);
  }
}

}  // namespace
}  // namespace envlock
