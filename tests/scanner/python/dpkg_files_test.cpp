// dpkg's file lists in images, through the real binary: a Debian package's
// extension modules get their [[native]] entries whether the tree is read
// from an image (docker-archive, OCI layout, OCI archive) or unpacked
// (--root), and a library that a later layer whites out blocks both with
// native-missing. The images are built with umoci and skopeo; the ground
// truth is the unpacked tree itself: importlib.metadata over its site
// directory, ldd and dlopen with its library directory mapped.

#include "scanner/python/dpkg_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "scanner/support/image_builder.hpp"
#include "scanner/support/native_build.hpp"
#include "scanner/image/wanted_files.hpp"

namespace envlock::scanner {
namespace {

using nlohmann::json;

const std::string kSite = "/usr/lib/python3/dist-packages";
const std::string kLibDir = "/usr/lib/x86_64-linux-gnu";
const std::string kCore = kSite + "/demo/_core.cpython-311-x86_64-linux-gnu.so";
const std::string kSpeed = kSite + "/demo/_speed.cpython-311-x86_64-linux-gnu.so";
const std::string kLoose = kSite + "/_loose.cpython-311-x86_64-linux-gnu.so";

bool have(const char* tool) {
  return std::system(("command -v " + std::string(tool) + " >/dev/null 2>&1").c_str()) == 0;
}

void sh(const std::string& cmd) {
  auto r = envlock::testing::sh("set -e; " + cmd);
  ASSERT_EQ(r.status, 0) << cmd << "\n" << r.out << r.err;
}

// The .list and .md5sums dpkg writes for a .deb that installed `files`
// (paths relative to `rootfs`): every directory on the way, then the files.
void install_deb(const std::string& rootfs, const std::string& deb,
                 const std::vector<std::string>& files) {
  std::set<std::string> listed = {"/."};
  for (const auto& f : files) {
    for (auto slash = f.find('/', 1); slash != std::string::npos; slash = f.find('/', slash + 1))
      listed.insert(f.substr(0, slash));
    listed.insert(f);
  }
  std::string list;
  for (const auto& p : listed) list += p + "\n";
  envlock::testing::write_file(rootfs + "/var/lib/dpkg/info/" + deb + ".list", list);
  std::string rel;
  for (const auto& f : files) rel += " '" + f.substr(1) + "'";
  sh("cd '" + rootfs + "' && md5sum" + rel + " > var/lib/dpkg/info/" + deb + ".md5sums");
}

// Three layers: python3-demo (egg-info, module, extension module linked
// against libdpkgdemo.so.1) with its library and an ELF module no package
// names; python3-demo-lib, a .deb with no Python metadata that adds an
// extension module to demo/ (as python3-sklearn-lib does to sklearn/); a
// layer that removes the library.
class DpkgImage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!have("umoci") || !have("skopeo") || !have("md5sum")) return;
    tmp_ = std::make_unique<envlock::testing::TempDir>();
    const std::string t = tmp_->path();
    const std::string rootless = getuid() == 0 ? "" : " --rootless";
    sh("cd " + t + " && umoci init --layout oci && umoci new --image oci:base");
    sh("cd " + t + " && umoci unpack" + rootless + " --image oci:base b1");
    const std::string r1 = t + "/b1/rootfs";
    envlock::testing::write_file(r1 + "/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    envlock::testing::write_file(r1 + "/usr/lib/python3.11/os.py", "# the standard library\n");
    using native_test::compile;
    ASSERT_EQ(compile("int demo_value(void) { return 42; }\n", r1 + kLibDir + "/libdpkgdemo.so.1",
                      "-shared -nostdlib -Wl,-soname,libdpkgdemo.so.1"),
              "");
    const std::string ext = "int demo_value(void);\nint twice(void) { return 2 * demo_value(); }\n";
    const std::string link =
        "-shared -nostdlib -Wl,--no-as-needed -L" + r1 + kLibDir + " -l:libdpkgdemo.so.1";
    ASSERT_EQ(compile(ext, r1 + kCore, link), "");
    ASSERT_EQ(compile(ext, r1 + kLoose, link), "");
    sh("rm -f " + r1 + kCore + ".c " + r1 + kLoose + ".c " + r1 + kLibDir + "/libdpkgdemo.so.1.c");
    envlock::testing::write_file(r1 + kSite + "/demo/__init__.py",
                                 "from demo._core import twice\n");
    envlock::testing::write_file(r1 + kSite + "/demo-1.0.egg-info/PKG-INFO",
                                 "Metadata-Version: 1.2\nName: demo\nVersion: 1.0\n");
    envlock::testing::write_file(r1 + kSite + "/demo-1.0.egg-info/top_level.txt", "demo\n");
    install_deb(r1, "python3-demo",
                {kSite + "/demo/__init__.py", kCore, kSite + "/demo-1.0.egg-info/PKG-INFO",
                 kSite + "/demo-1.0.egg-info/top_level.txt"});
    install_deb(r1, "libdpkgdemo1", {kLibDir + "/libdpkgdemo.so.1"});
    sh("cd " + t + " && umoci repack --image oci:v1 b1");

    sh("cd " + t + " && umoci unpack" + rootless + " --image oci:v1 b2");
    const std::string r2 = t + "/b2/rootfs";
    ASSERT_EQ(compile(ext, r2 + kSpeed, link), "");
    sh("rm -f " + r2 + kSpeed + ".c");
    install_deb(r2, "python3-demo-lib", {kSpeed});
    sh("cd " + t + " && umoci repack --image oci:v2 b2");

    sh("cd " + t + " && umoci unpack" + rootless + " --image oci:v2 b3");
    sh("rm " + t + "/b3/rootfs" + kLibDir + "/libdpkgdemo.so.1");
    sh("cd " + t + " && umoci repack --image oci:v3 b3");
    // The reference trees: what umoci itself unpacks.
    sh("cd " + t + " && umoci unpack" + rootless + " --image oci:v2 before");
    sh("cd " + t + " && umoci unpack" + rootless + " --image oci:v3 final");
    sh("cd " + t +
       " && skopeo copy oci:oci:v3 docker-archive:app.tar:app:3 && "
       "skopeo copy oci:oci:v3 oci-archive:app.oci.tar:app:3");
  }
  static void TearDownTestSuite() { tmp_.reset(); }

  void SetUp() override {
    if (!tmp_) GTEST_SKIP() << "umoci and skopeo come from scripts/bootstrap";
  }

  static std::string at(const std::string& name) { return tmp_->path() + "/" + name; }

  // The three image formats of the final image, as envlock arguments.
  static std::map<std::string, std::vector<std::string>> final_images() {
    return {{"oci layout", {"--image", at("oci"), "--image-ref", "v3"}},
            {"docker-archive", {"--image", at("app.tar")}},
            {"oci archive", {"--image", at("app.oci.tar")}}};
  }

  static json scan(std::vector<std::string> target, bool fast = false) {
    std::vector<std::string> args = {"scan", "--format", "json"};
    args.insert(args.end(), target.begin(), target.end());
    if (fast) args.push_back("--fast");
    auto r = envlock::testing::envlock(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  // What the loader does with the module in the unpacked tree `rootfs`, its
  // library directory standing in for the tree's: "loaded" or dlopen's error.
  static std::string dlopen_in(const std::string& rootfs, const std::string& object) {
    auto r =
        envlock::testing::sh("env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH='" + rootfs + kLibDir +
                             "' python3 -c 'import ctypes, sys\ntry:\n  ctypes.CDLL(sys.argv[1]); "
                             "print(\"loaded\")\nexcept OSError as e:\n  print(e)' '" +
                             rootfs + object + "'");
    return r.out;
  }

  static std::unique_ptr<envlock::testing::TempDir> tmp_;
};

std::unique_ptr<envlock::testing::TempDir> DpkgImage::tmp_;

TEST(DpkgWantedFiles, AnImageKeepsDpkgsFileListsWhole) {
  EXPECT_EQ(wanted_content("/var/lib/dpkg/info/python3-numpy.list", ""), Want::kWhole);
  EXPECT_EQ(wanted_content("/var/lib/dpkg/info/python3-numpy:amd64.md5sums", ""), Want::kWhole);
  EXPECT_EQ(wanted_content("/var/lib/dpkg/info/python3-numpy.postinst", ""), Want::kNothing);
  EXPECT_EQ(wanted_content("/var/lib/dpkg/info/x/y.list", ""), Want::kNothing);
  EXPECT_EQ(wanted_content("/opt/var/lib/dpkg/info/y.list", ""), Want::kNothing);
}

TEST_F(DpkgImage, ImageAndRootOfTheSameTreeGiveTheSamePackagesFilesAndNativeClosure) {
  const std::string rootfs = at("final/rootfs");
  // Ground truth: the packages importlib.metadata finds in the tree's site
  // directory, and what ldd finds for the extension modules.
  auto meta = envlock::testing::sh(
      "python3 -c 'import importlib.metadata as m, sys\n"
      "for d in m.distributions(path=[sys.argv[1]]): "
      "print(d.metadata[\"Name\"], d.version)' '" +
      rootfs + kSite + "'");
  ASSERT_EQ(meta.out, "demo 1.0\n") << meta.err;
  for (const auto& object : {kCore, kSpeed, kLoose}) {
    auto ldd = envlock::testing::sh("env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH='" + rootfs +
                                    kLibDir + "' ldd '" + rootfs + object + "'");
    EXPECT_NE(ldd.out.find("libdpkgdemo.so.1 => not found"), std::string::npos)
        << object << ldd.out;
  }

  for (bool fast : {false, true}) {
    json root = scan({"--root", rootfs}, fast);
    ASSERT_EQ(root["packages"].size(), 1u) << root.dump(2);
    EXPECT_EQ(root["packages"][0]["name"], "demo");
    EXPECT_EQ(root["packages"][0]["version"], "1.0");
    EXPECT_EQ(root["packages"][0]["files"]["count"], 4) << "dpkg's md5sums are demo's file list";
    // Every ELF object Python can load from the site directory, whoever installed it.
    std::map<std::string, std::string> owners;
    for (const auto& n : root["native"]) {
      owners[n["path"]] = n["owner"];
      EXPECT_EQ(n["resolved"]["libdpkgdemo.so.1"], "") << n.dump() << " (ldd: not found)";
    }
    EXPECT_EQ(owners, (std::map<std::string, std::string>{
                          {kCore, "demo"}, {kSpeed, "dpkg"}, {kLoose, ""}}));
    for (const auto& [format, target] : final_images()) {
      SCOPED_TRACE(format + (fast ? " --fast" : ""));
      json image = scan(target, fast);
      EXPECT_EQ(image["packages"], root["packages"]);
      EXPECT_EQ(image["native"], root["native"]);
      EXPECT_EQ(image["site-entries"], root["site-entries"]);
      if (fast) {
        EXPECT_EQ(image.value("integrity", json::array()), root.value("integrity", json::array()));
        continue;
      }
      // What a static scan of an image cannot know (docs/images.md): dpkg's
      // MD5s need the content, which the image does not keep.
      EXPECT_FALSE(root.contains("integrity")) << root["integrity"].dump(2);
      ASSERT_EQ(image["integrity"].size(), 1u) << image["integrity"].dump(2);
      EXPECT_EQ(image["integrity"][0]["package"], "demo");
      EXPECT_EQ(image["integrity"][0]["problem"], "unverifiable");
      EXPECT_NE(image["integrity"][0]["detail"].get<std::string>().find("md5"), std::string::npos);
    }
  }
}

TEST_F(DpkgImage, ALibraryALaterLayerWhitesOutBlocksImageAndRootAlike) {
  // Ground truth: the loader finds the library before the last layer, not after it.
  EXPECT_EQ(dlopen_in(at("before/rootfs"), kCore), "loaded\n");
  EXPECT_EQ(dlopen_in(at("final/rootfs"), kCore),
            "libdpkgdemo.so.1: cannot open shared object file: No such file or directory\n");

  auto lock =
      envlock::testing::envlock({"lock", "--root", at("before/rootfs"), "-o", at("before.lock")});
  ASSERT_EQ(lock.status, 0) << lock.err;
  auto before = envlock::testing::envlock(
      {"check", "--lock", at("before.lock"), "--image", at("oci"), "--image-ref", "v2"});
  EXPECT_EQ(before.status, 0) << before.out << before.err;

  auto targets = final_images();
  targets["root"] = {"--root", at("final/rootfs")};
  json expected;
  for (const auto& [name, target] : targets) {
    SCOPED_TRACE(name);
    std::vector<std::string> args = {"check", "--format", "json", "--lock", at("before.lock")};
    args.insert(args.end(), target.begin(), target.end());
    auto check = envlock::testing::envlock(args);
    EXPECT_EQ(check.status, 1) << check.out << check.err;
    json found = json::array();
    const json report = json::parse(check.out, nullptr, false);
    for (const auto& f : report["findings"]) {
      if (f["severity"] == "block") found.push_back(f);
    }
    ASSERT_EQ(found.size(), 1u) << check.out;
    EXPECT_EQ(found[0]["category"], "native-missing");
    EXPECT_EQ(found[0]["subject"], "libdpkgdemo.so.1");
    EXPECT_EQ(found[0]["lock"], kLibDir + "/libdpkgdemo.so.1");
    EXPECT_NE(found[0]["message"].get<std::string>().find("(and 2 other objects)"),
              std::string::npos)
        << found[0]["message"];
    if (expected.is_null()) expected = found;
    EXPECT_EQ(found, expected);
  }
}

}  // namespace
}  // namespace envlock::scanner
