// Realism: images built by umoci and converted by skopeo (both from Debian,
// installed by scripts/bootstrap) must read exactly like the rootfs that
// `umoci unpack` produces, walked through DiskFileSystem (the --root view).

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

#include "base/sha256.hpp"
#include "scanner/fs/disk_filesystem.hpp"
#include "scanner/image/image_filesystem.hpp"
#include "scanner/support/image_builder.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;

bool have(const char* tool) {
  return std::system(("command -v " + std::string(tool) + " >/dev/null 2>&1").c_str()) == 0;
}

void sh(const std::string& cmd) {
  ASSERT_EQ(std::system(("{ set -e; " + cmd + "; } >/dev/null 2>&1").c_str()), 0) << cmd;
}

// path -> "type size link-target sha256" for every entry under `dir`.
void walk(const FileSystem& fs, const std::string& dir, std::map<std::string, std::string>& out) {
  auto list = fs.list(dir);
  ASSERT_TRUE(list) << list.error().message;
  for (const auto& e : *list) {
    std::string path = join_path(dir, e.name);
    auto st = fs.lstat(path);
    ASSERT_TRUE(st) << st.error().message;
    std::string line = std::to_string(static_cast<int>(st->type)) + " " + std::to_string(st->mode & 07777);
    if (st->type == FileType::kRegular) {
      auto sum = fs.sha256(path);
      ASSERT_TRUE(sum) << sum.error().message;
      line += " " + std::to_string(st->size) + " " + *sum;
    }
    if (st->type == FileType::kSymlink) line += " -> " + *fs.readlink(path);
    out[path] = line;
    if (st->type == FileType::kDirectory) walk(fs, path, out);
  }
}

class ImageTools : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("umoci") || !have("skopeo")) GTEST_SKIP() << "umoci and skopeo come from scripts/bootstrap";
    const std::string rootless = getuid() == 0 ? "" : " --rootless";
    const std::string L = tmp_ / "oci";
    const std::string site = "/rootfs/usr/lib/python3/dist-packages";
    sh("cd " + tmp_.path() + " && umoci init --layout oci && umoci new --image oci:base");
    // Layer 1: os-release, package foo with a symlink and a hardlink, a library dir.
    sh("cd " + tmp_.path() + " && umoci unpack" + rootless + " --image oci:base b1");
    const std::string b1 = tmp_ / "b1";
    sh("mkdir -p " + b1 + site + "/foo-1.0.dist-info " + b1 + site + "/foo " + b1 + "/rootfs/etc " + b1 +
       "/rootfs/usr/lib/x86_64-linux-gnu");
    write_file(b1 + "/rootfs/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    write_file(b1 + site + "/foo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n");
    write_file(b1 + site + "/foo-1.0.dist-info/RECORD", "foo/__init__.py,,\n");
    write_file(b1 + site + "/foo/__init__.py", "print('foo')\n");
    write_file(b1 + "/rootfs/usr/lib/x86_64-linux-gnu/libdata.so.1", std::string(5000, 'd'));
    sh("ln -s libdata.so.1 " + b1 + "/rootfs/usr/lib/x86_64-linux-gnu/libdata.so");
    sh("ln " + b1 + "/rootfs/usr/lib/x86_64-linux-gnu/libdata.so.1 " + b1 + "/rootfs/usr/lib/x86_64-linux-gnu/hard.so");
    sh("ln -s /usr/lib " + b1 + "/rootfs/lib");
    sh("cd " + tmp_.path() + " && umoci repack --image oci:v1 b1");
    // Layer 2: foo is uninstalled, bar installed, a directory made opaque by re-creation.
    sh("cd " + tmp_.path() + " && umoci unpack" + rootless + " --image oci:v1 b2");
    const std::string b2 = tmp_ / "b2";
    sh("rm -rf " + b2 + site + "/foo " + b2 + site + "/foo-1.0.dist-info");
    sh("mkdir -p " + b2 + site + "/bar-2.0.dist-info");
    write_file(b2 + site + "/bar-2.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: bar\nVersion: 2.0\n");
    write_file(b2 + "/rootfs/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=x\n");
    sh("cd " + tmp_.path() + " && umoci repack --image oci:v2 b2");
    // The reference: what umoci itself unpacks.
    sh("cd " + tmp_.path() + " && umoci unpack" + rootless + " --image oci:v2 final");
    sh("cd " + tmp_.path() + " && skopeo copy oci:oci:v2 docker-archive:app.tar:app:2 && "
       "skopeo copy oci:oci:v2 oci-archive:app.oci.tar:app:2");
    DiskFileSystem root(tmp_ / "final/rootfs");
    walk(root, "/", expected_);
  }

  void expect_same(const std::string& path, const std::string& ref) {
    ImageOptions opts;
    opts.ref = ref;
    auto img = open_image(path, opts);
    ASSERT_TRUE(img) << img.error().message;
    std::map<std::string, std::string> got;
    walk(*img->fs, "/", got);
    EXPECT_EQ(got, expected_) << path;
    EXPECT_EQ(img->fs->read("/usr/lib/python3/dist-packages/bar-2.0.dist-info/METADATA").value_or(""),
              "Metadata-Version: 2.1\nName: bar\nVersion: 2.0\n");
    EXPECT_FALSE(img->fs->exists("/usr/lib/python3/dist-packages/foo"));
    EXPECT_EQ(img->identity.layers.size(), 2u);
    EXPECT_EQ(img->fs->stat("/usr/lib/x86_64-linux-gnu/hard.so")->ino,
              img->fs->stat("/usr/lib/x86_64-linux-gnu/libdata.so.1")->ino);
  }

  TempDir tmp_;
  std::map<std::string, std::string> expected_;
};

TEST_F(ImageTools, OciLayoutMatchesUmociUnpack) {
  ASSERT_TRUE(expected_.count("/usr/lib/python3/dist-packages/bar-2.0.dist-info/METADATA"));
  expect_same(tmp_ / "oci", "v2");
}

TEST_F(ImageTools, DockerArchiveFromSkopeoMatches) { expect_same(tmp_ / "app.tar", ""); }

TEST_F(ImageTools, OciArchiveFromSkopeoMatches) { expect_same(tmp_ / "app.oci.tar", ""); }

// A hardlink to a lower layer's file, whose target a later layer replaces or
// removes: umoci unpacks the layers in order with link(2), as runtimes do.
TEST(ImageToolsHardlinks, CrossLayerHardlinksMatchUmociUnpack) {
  if (!have("umoci")) GTEST_SKIP() << "umoci comes from scripts/bootstrap";
  TempDir tmp;
  ImageSpec spec;
  spec.layers = {
      {{dir("opt"), file("opt/a", "old a"), file("opt/w", "whited"), dir("opt/d"), file("opt/d/t", "deep"),
        symlink("opt/s", "a")}},
      {{dir("usr"), hardlink("usr/link-a", "opt/a"), hardlink("usr/link-w", "opt/w"),
        hardlink("usr/link-t", "opt/d/t"), hardlink("usr/link-s", "opt/s")}},
      {{dir("usr"), hardlink("usr/chain", "usr/link-a")}},
      {{dir("opt"), file("opt/a", "new a"), whiteout("opt", "w"), whiteout("opt", "d")}},
  };
  write_oci_layout(tmp / "oci", spec, "v1");
  const std::string rootless = getuid() == 0 ? "" : " --rootless";
  sh("cd " + tmp.path() + " && umoci unpack" + rootless + " --image oci:v1 out");
  std::map<std::string, std::string> expected, got;
  DiskFileSystem root(tmp / "out/rootfs");
  walk(root, "/", expected);
  auto img = open_image(tmp / "oci", {});
  ASSERT_TRUE(img) << img.error().message;
  walk(*img->fs, "/", got);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(*img->fs->sha256("/usr/link-a"), sha256_hex("old a"));
}

}  // namespace
}  // namespace envlock::scanner
