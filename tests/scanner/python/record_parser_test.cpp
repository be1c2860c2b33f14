#include "scanner/python/record_parser.hpp"

#include <string>
#include <vector>

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

// Plain rows are split in place; quoted rows go through the csv-module
// reader. Both must read the same row the same way, with LF or CRLF endings,
// extra fields, empty fields and a last row without a newline.
TEST(RecordParser, PlainAndCsvPathsAgree) {
  const std::vector<std::string> rows{"pkg/a.py,sha256=AbC-_,12", "pkg/b.py,,", "pkg/c.py", "pkg/d.py,sha256=x",
                                      "pkg/e.py,sha256=x,notanumber", "pkg/f.py,sha256=x,7,extra,fields",
                                      "../../bin/g,sha512=y,0"};
  for (const char* eol : {"\n", "\r\n", ""}) {
    for (const auto& row : rows) {
      auto plain = parse_record(row + eol, "RECORD");
      // Quoting the path sends the row through the csv path without changing it.
      auto quoted = parse_record("\"" + row.substr(0, row.find(',')) + "\"" +
                                     (row.find(',') == std::string::npos ? "" : row.substr(row.find(','))) + eol,
                                 "RECORD");
      ASSERT_TRUE(plain && quoted) << row;
      ASSERT_EQ(plain->size(), 1u) << row;
      ASSERT_EQ(quoted->size(), 1u) << row;
      EXPECT_EQ((*plain)[0].path, (*quoted)[0].path) << row;
      EXPECT_EQ((*plain)[0].algorithm, (*quoted)[0].algorithm) << row;
      EXPECT_EQ((*plain)[0].digest, (*quoted)[0].digest) << row;
      EXPECT_EQ((*plain)[0].size, (*quoted)[0].size) << row;
    }
  }
  // A carriage return inside a row is dropped, as the csv module does.
  auto inner_cr = parse_record("pk\rg/h.py,sha256=x,1\r\n", "RECORD");
  ASSERT_TRUE(inner_cr);
  EXPECT_EQ((*inner_cr)[0].path, "pkg/h.py");
  // Line numbers in errors count rows of both kinds.
  auto bad = parse_record("a,,\r\n\"b\",,\r\nc,nohash,1\r\n", "RECORD");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "RECORD:3: hash 'nohash' is not algorithm=digest");
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
