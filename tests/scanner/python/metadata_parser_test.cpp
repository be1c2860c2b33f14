#include "scanner/python/metadata_parser.hpp"

#include <gtest/gtest.h>

namespace envlock::scanner {
namespace {

TEST(MetadataParser, ReadsHeadersUpToTheFirstBlankLine) {
  auto h = parse_headers("Name: numpy\nVersion: 1.26.4\n\nName: body-not-header\n", "METADATA");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->get("name"), "numpy");
  EXPECT_EQ(h->get("VERSION"), "1.26.4");
  EXPECT_EQ(h->get_all("Name").size(), 1u);
}

TEST(MetadataParser, RepeatedHeadersKeepFileOrder) {
  auto h = parse_headers("Requires-Dist: a\nRequires-Dist: b>=2 ; extra == 'x'\n", "METADATA");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->get_all("requires-dist"), (std::vector<std::string>{"a", "b>=2 ; extra == 'x'"}));
}

TEST(MetadataParser, FoldsContinuationLines) {
  auto h = parse_headers("Summary: first\n   second\n\tthird\nName: x\n", "METADATA");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->get("Summary"), "first\nsecond\nthird");
  EXPECT_EQ(h->get("Name"), "x");
}

TEST(MetadataParser, HandlesCrlfAndBom) {
  auto h = parse_headers("\xEF\xBB\xBFName: x\r\nVersion: 1\r\n\r\n", "METADATA");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->get("Name"), "x");
  EXPECT_EQ(h->get("Version"), "1");
}

TEST(MetadataParser, DecodesLatin1WhenNotUtf8) {
  auto h = parse_headers("Name: x\nAuthor: Jos\xe9\n", "PKG-INFO");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->get("Author"), "Jos\xc3\xa9");
  EXPECT_EQ(to_utf8("caf\xc3\xa9"), "caf\xc3\xa9");  // valid UTF-8 stays as it is
}

TEST(MetadataParser, RejectsAFirstLineThatIsNoHeader) {
  auto h = parse_headers("this is not a header line\nName: x\n", "site/x.dist-info/METADATA");
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().message,
            "site/x.dist-info/METADATA:1: not a metadata header: 'this is not a header line'");
  auto c = parse_headers(" leading continuation\n", "M");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "M:1: continuation line before any header");
}

TEST(MetadataParser, SkipsLaterJunkLines) {
  auto h = parse_headers("Name: x\njunk without colon\nVersion: 2\n", "M");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->get("Version"), "2");
}

TEST(MetadataParser, EmptyInputHasNoHeaders) {
  auto h = parse_headers("", "M");
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->fields.empty());
  EXPECT_FALSE(h->has("Name"));
}

}  // namespace
}  // namespace envlock::scanner
