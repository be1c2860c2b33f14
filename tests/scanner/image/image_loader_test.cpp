// Streaming an image's layers: what a hostile image can make it cost
// (decompressed bytes, names held, repeated layers) and how a repeated
// layer is applied.

#include "scanner/image/image_loader.hpp"

#include <gtest/gtest.h>

#include "scanner/image/image_filesystem.hpp"
#include "scanner/support/image_builder.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;

class ImageLoader : public ::testing::Test {
 protected:
  Result<LoadedLayers> load(const ImageLimits& limits = {}) {
    auto located = locate_image(layout_, {});
    EXPECT_TRUE(located) << (located ? "" : located.error().message);
    if (!located) return tl::unexpected(located.error());
    return load_layers(*located, {}, limits);
  }
  std::string layer(const std::string& digest) const { return layout_ + ": layer blobs/sha256/" + digest.substr(7); }
  static RawLayer raw(const std::vector<Member>& members) {
    return {make_tar(members), digest_of(make_tar(members)), layer_media_type(Compression::kNone)};
  }

  TempDir tmp_;
  std::string layout_ = tmp_ / "layout";
};

TEST_F(ImageLoader, ARepeatedLayerIsReadOnceAndAppliedAsTheTopCopy) {
  RawLayer l = raw({file("a", "from L"), whiteout("", "gone")});
  RawLayer m = raw({file("a", "from M"), file("b", "from M"), file("gone", "M")});
  write_raw_layout(layout_, {l, m, l});
  auto loaded = load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->uncompressed_bytes, l.blob.size() + m.blob.size());
  ImageFileSystem fs(std::move(loaded->tree), "x");
  EXPECT_EQ(*fs.sha256("/a"), sha256_hex("from L"));
  EXPECT_EQ(*fs.sha256("/b"), sha256_hex("from M"));
  EXPECT_FALSE(fs.exists("/gone"));
}

TEST_F(ImageLoader, ARepeatedLayerIsReadAgainForAHardlinkWaitingForIt) {
  RawLayer l = raw({file("t", "from L")});
  RawLayer m = raw({hardlink("p", "t"), file("t", "from M")});
  write_raw_layout(layout_, {l, m, l});
  auto loaded = load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->uncompressed_bytes, 2 * l.blob.size() + m.blob.size());
  ImageFileSystem fs(std::move(loaded->tree), "x");
  EXPECT_EQ(*fs.sha256("/p"), sha256_hex("from L"));
}

TEST_F(ImageLoader, ARepeatedLayerStillMatchesItsDiffId) {
  RawLayer l = raw({file("a", "1")});
  RawLayer lie = l;
  lie.diff_id = digest_of("something else");
  auto digests = write_raw_layout(layout_, {lie, l});
  auto loaded = load();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(loaded.error().message, layer(digests[0]) + ": uncompressed content " + l.diff_id +
                                        " does not match the diff ID " + lie.diff_id);
}

TEST_F(ImageLoader, TheImagesDecompressedBytesAreBoundedInAll) {
  std::vector<RawLayer> layers;
  for (char c : std::string("xyz")) layers.push_back(raw({file(std::string(1, c), std::string(10000, c))}));
  auto digests = write_raw_layout(layout_, layers);
  ImageLimits limits;
  limits.max_total_uncompressed_bytes = 25000;
  auto loaded = load(limits);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().kind, ErrorKind::kInvalid);
  // Top layer first: the bottom one passes the total.
  EXPECT_EQ(loaded.error().message,
            layer(digests[0]) + ": the image's layers decompress to more than 25000 bytes in all");
}

TEST_F(ImageLoader, ALayerExpandingPastTheRatioIsABomb) {
  auto digests = write_raw_layout(layout_, {zero_file_layer("zeros", 4 << 20)});
  ImageLimits limits;
  limits.layer.ratio_floor_bytes = 1 << 20;
  limits.layer.max_ratio = 100;
  auto loaded = load(limits);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(loaded.error().message, layer(digests[0]) + ": decompresses to more than 100 times its compressed "
                                                        "size past 1048576 bytes (a decompression bomb)");
  // Gzip never gets near the default (deflate stops at ~1032:1), nor does real data.
  write_raw_layout(layout_, {zero_file_layer("zeros", 80 << 20, Compression::kGzip)});
  EXPECT_TRUE(load());
}

TEST_F(ImageLoader, NamesHeldAreBoundedInBytes) {
  std::vector<Member> long_names;
  for (int i = 0; i < 40; ++i) long_names.push_back(dir(std::to_string(i) + std::string(1000, 'n')));
  write_raw_layout(layout_, {raw(long_names)});
  ImageLimits limits;
  limits.max_name_bytes = 20000;
  auto loaded = load(limits);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message,
            layout_ + ": the names of the files and directories in the image take more than 20000 bytes");
  // Members an upper layer hides count too: a hardlink of their layer may name them.
  std::vector<Member> hidden;
  for (int i = 0; i < 40; ++i) hidden.push_back(file("x/" + std::to_string(i) + std::string(1000, 'h'), ""));
  write_raw_layout(layout_, {raw(hidden), raw({whiteout("", "x")})});
  loaded = load(limits);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message,
            layout_ + ": the names of the files and directories in the image take more than 20000 bytes");
  limits.max_name_bytes = 256ull << 20;
  limits.max_tree_nodes = 10;
  write_raw_layout(layout_, {raw(long_names)});
  loaded = load(limits);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message, layout_ + ": more than 10 files and directories in the image");
}

}  // namespace
}  // namespace envlock::scanner
