#include "scanner/image/layer_reader.hpp"

#include <gtest/gtest.h>

#include "base/sha256.hpp"
#include "scanner/support/image_builder.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;

// Feeds `bytes` in small chunks to exercise chunk boundaries.
ChunkSource memory_source(const std::string& bytes, std::size_t chunk = 7) {
  auto pos = std::make_shared<std::size_t>(0);
  return [&bytes, pos, chunk]() -> Result<std::string_view> {
    std::size_t n = std::min(chunk, bytes.size() - *pos);
    std::string_view out(bytes.data() + *pos, n);
    *pos += n;
    return out;
  };
}

struct Seen {
  LayerEntry entry;
  std::string content;
};

LayerOutcome read_all(const std::string& blob, std::vector<Seen>& seen, LayerLimits limits = {}) {
  return read_layer(memory_source(blob), "layer", limits, [&](const LayerEntry& e, EntryData& d) -> Result<void> {
    Seen s{e, ""};
    for (;;) {
      auto chunk = ENVLOCK_TRY(d.next());
      if (chunk.empty()) break;
      s.content.append(chunk);
    }
    seen.push_back(std::move(s));
    return {};
  });
}

TEST(LayerReader, EntriesWhiteoutsAndNormalization) {
  std::string tar = make_tar({dir("./usr/"), file("./usr/a", "hello"), file("/etc/b", "x"), symlink("lib", "usr/lib"),
                              hardlink("usr/c", "./usr/a"), whiteout("usr", "gone"), opaque("opt"), device("dev/zero"),
                              file(".wh..wh.plnk/123", "aufs"), file("x/.wh.", "")});
  std::vector<Seen> seen;
  auto out = read_all(tar, seen);
  ASSERT_FALSE(out.error) << out.error->message;
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_EQ(seen[0].entry.path, "/usr");
  EXPECT_EQ(seen[0].entry.type, LayerEntryType::kDirectory);
  EXPECT_EQ(seen[1].entry.path, "/usr/a");
  EXPECT_EQ(seen[1].content, "hello");
  EXPECT_EQ(seen[1].entry.size, 5u);
  EXPECT_EQ(seen[2].entry.path, "/etc/b");
  EXPECT_EQ(seen[3].entry.type, LayerEntryType::kSymlink);
  EXPECT_EQ(seen[3].entry.link, "usr/lib");
  EXPECT_EQ(seen[4].entry.type, LayerEntryType::kHardlink);
  EXPECT_EQ(seen[4].entry.link, "/usr/a");
  EXPECT_EQ(seen[5].entry.type, LayerEntryType::kWhiteout);
  EXPECT_EQ(seen[5].entry.path, "/usr/gone");
  EXPECT_EQ(seen[6].entry.type, LayerEntryType::kOpaque);
  EXPECT_EQ(seen[6].entry.path, "/opt");
  EXPECT_EQ(seen[7].entry.type, LayerEntryType::kOther);
  EXPECT_EQ(out.digests.blob_sha256, sha256_hex(tar));
  EXPECT_EQ(out.digests.uncompressed_sha256, sha256_hex(tar));
}

TEST(LayerReader, CompressedLayersHashBothForms) {
  std::vector<Member> members = {file("a", std::string(100000, 'a')), file("b", "b")};
  std::string plain = make_tar(members);
  for (auto c : {Compression::kGzip, Compression::kZstd}) {
    std::string blob = make_tar(members, c);
    std::vector<Seen> seen;
    auto out = read_all(blob, seen);
    ASSERT_FALSE(out.error) << out.error->message;
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].content.size(), 100000u);
    EXPECT_EQ(out.digests.blob_sha256, sha256_hex(blob));
    EXPECT_EQ(out.digests.uncompressed_sha256, sha256_hex(plain));
    EXPECT_EQ(out.digests.blob_bytes, blob.size());
    EXPECT_EQ(out.digests.uncompressed_bytes, plain.size());
  }
}

TEST(LayerReader, UnreadContentIsSkipped) {
  std::string blob = make_tar({file("a", std::string(5000, 'a')), file("b", "bee")}, Compression::kGzip);
  std::vector<std::string> names;
  auto out = read_layer(memory_source(blob, 100), "layer", {}, [&](const LayerEntry& e, EntryData&) -> Result<void> {
    names.push_back(e.path);
    return {};
  });
  ASSERT_FALSE(out.error);
  EXPECT_EQ(names, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(out.digests.blob_sha256, sha256_hex(blob));
}

TEST(LayerReader, LimitsNameTheLayer) {
  std::string tar = make_tar({file("a", std::string(4096, 'a')), file("b", "b"), file("c", "c")});
  std::vector<Seen> seen;
  LayerLimits few;
  few.max_entries = 2;
  auto out = read_all(tar, seen, few);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->message, "layer: more than 2 entries");
  EXPECT_EQ(out.digests.blob_sha256, sha256_hex(tar));  // still read to the end

  seen.clear();
  LayerLimits small;
  small.max_uncompressed_bytes = 2048;
  out = read_all(make_tar({file("a", std::string(1 << 20, 'a'))}, Compression::kGzip), seen, small);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->message, "layer: uncompressed size exceeds 2048 bytes");

  seen.clear();
  LayerLimits short_names;
  short_names.max_path_bytes = 8;
  out = read_all(make_tar({file("a-very-long-name", "x")}), seen, short_names);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->message, "layer: tar member name longer than 8 bytes");
}

TEST(LayerReader, GarbageAndTruncation) {
  std::vector<Seen> seen;
  std::string junk(3000, '\x01');
  auto out = read_all(junk, seen);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->message, "layer: not a tar archive: Unrecognized archive format");
  EXPECT_EQ(out.digests.blob_sha256, sha256_hex(junk));

  std::string gz = make_tar({file("a", std::string(100000, 'q'))}, Compression::kGzip);
  gz.resize(gz.size() / 2);
  seen.clear();
  out = read_all(gz, seen);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.digests.uncompressed_sha256, "");
  EXPECT_EQ(out.digests.blob_sha256, sha256_hex(gz));
}

TEST(LayerReader, HandlerErrorsStopTheLayer) {
  std::string tar = make_tar({file("a", "1"), file("b", "2")});
  int calls = 0;
  auto out = read_layer(memory_source(tar), "layer", {}, [&](const LayerEntry&, EntryData&) -> Result<void> {
    ++calls;
    return fail("stop here");
  });
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->message, "stop here");
  EXPECT_EQ(out.digests.uncompressed_sha256, sha256_hex(tar));
}

TEST(LayerReader, EmptyBlobIsNoLayer) {
  std::vector<Seen> seen;
  auto out = read_all("", seen);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.digests.blob_sha256, sha256_hex(""));
}

}  // namespace
}  // namespace envlock::scanner
