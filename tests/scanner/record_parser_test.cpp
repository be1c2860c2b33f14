#include "scanner/record_parser.hpp"

#include <gtest/gtest.h>

namespace envlock::scanner {
namespace {

TEST(RecordParser, ParsesRowsWithAndWithoutHashes) {
  auto rows = parse_record(
      "pkg/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n"
      "pkg-1.0.dist-info/RECORD,,\n"
      "../../bin/tool,sha256=abc,12\r\n",
      "RECORD");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].path, "pkg/__init__.py");
  EXPECT_EQ((*rows)[0].algorithm, "sha256");
  EXPECT_EQ((*rows)[0].digest, "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  EXPECT_EQ((*rows)[0].size, 0u);
  EXPECT_EQ((*rows)[1].algorithm, "");
  EXPECT_FALSE((*rows)[1].size.has_value());
  EXPECT_EQ((*rows)[2].path, "../../bin/tool");
  EXPECT_EQ((*rows)[2].size, 12u);
}

TEST(RecordParser, QuotedPathsWithCommasAndQuotes) {
  auto rows = parse_record("\"dir/a,b \"\"q\"\".txt\",sha256=x,3\n", "RECORD");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].path, "dir/a,b \"q\".txt");
}

TEST(RecordParser, ErrorsNameTheLine) {
  auto bad = parse_record("a,,\nb,\"sha256=x,1\n", "site/x.dist-info/RECORD");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "site/x.dist-info/RECORD:2: unterminated quote");
  auto nohash = parse_record("a,md5,1\n", "RECORD");
  ASSERT_FALSE(nohash);
  EXPECT_EQ(nohash.error().message, "RECORD:1: hash 'md5' is not algorithm=digest");
}

TEST(RecordParser, SkipsBlankRows) {
  auto rows = parse_record("\n\na,,\n\n", "RECORD");
  ASSERT_TRUE(rows);
  EXPECT_EQ(rows->size(), 1u);
}

TEST(RecordParser, UrlsafeBase64WithoutPadding) {
  EXPECT_EQ(urlsafe_b64(""), "");
  EXPECT_EQ(urlsafe_b64("f"), "Zg");
  EXPECT_EQ(urlsafe_b64("fo"), "Zm8");
  EXPECT_EQ(urlsafe_b64("foo"), "Zm9v");
  EXPECT_EQ(urlsafe_b64("\xfb\xff"), "-_8");
}

}  // namespace
}  // namespace envlock::scanner
