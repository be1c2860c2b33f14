#include "cli/render_escape.hpp"

#include <gtest/gtest.h>

namespace envlock::cli {
namespace {

TEST(DecodeUtf8, WellFormedAndIllFormed) {
  EXPECT_EQ(decode_utf8("a").code_point, U'a');
  const Utf8Unit euro = decode_utf8("\xe2\x82\xac!");
  EXPECT_TRUE(euro.valid);
  EXPECT_EQ(euro.code_point, U'\u20ac');
  EXPECT_EQ(euro.length, 3u);
  EXPECT_EQ(decode_utf8("\xf0\x9f\x98\x80").code_point, U'\U0001F600');
  for (const char* bad : {"\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe2\x82", "\xff"}) {
    const Utf8Unit u = decode_utf8(bad);
    EXPECT_FALSE(u.valid) << bad;
    EXPECT_EQ(u.length, 1u);
  }
}

TEST(MakeVisible, ControlsBidiAndBadBytes) {
  EXPECT_EQ(make_visible("plain caf\xc3\xa9", LineBreaks::kEscape), "plain caf\xc3\xa9");
  EXPECT_EQ(make_visible("a\nb\tc\rd", LineBreaks::kEscape), "a\\nb\\tc\\rd");
  EXPECT_EQ(make_visible("a\nb\tc\rd", LineBreaks::kKeep), "a\nb\tc\\rd");
  EXPECT_EQ(make_visible(std::string("\x1b[2J\x00\x7f", 6), LineBreaks::kKeep),
            "\\x1b[2J\\x00\\x7f");
  EXPECT_EQ(make_visible("\xc2\x9b" "31m", LineBreaks::kKeep), "\\u009b31m");
  EXPECT_EQ(make_visible("abc\xe2\x80\xae" "def", LineBreaks::kKeep), "abc\\u202edef");
  EXPECT_EQ(make_visible("\xef\xbf\xbf", LineBreaks::kKeep), "\\uffff");
  EXPECT_EQ(make_visible("\xff\xfe ok \xe2\x82", LineBreaks::kKeep), "\\xff\\xfe ok \\xe2\\x82");
}

TEST(EscapeXml, AttributeAndText) {
  EXPECT_EQ(escape_xml("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(escape_xml("a\nb\tc"), "a&#10;b&#9;c");
  EXPECT_EQ(escape_xml_text("a\nb\tc<"), "a\nb\tc&lt;");
  EXPECT_EQ(escape_xml(std::string("\x01\x00", 2)), "\\x01\\x00");
}

TEST(EscapeMarkdown, TableCellsStayCells) {
  EXPECT_EQ(escape_markdown("a|b"), "a\\|b");
  EXPECT_EQ(escape_markdown("*x* _y_ `z` [l](u) ~s~ \\"), "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\~s\\~ \\\\");
  EXPECT_EQ(escape_markdown("<b>&</b>"), "&lt;b&gt;&amp;&lt;/b&gt;");
  EXPECT_EQ(escape_markdown("one\ntwo\tthree"), "one<br>two three");
}

TEST(DisplayWidth, CountsCodePoints) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("\u2192 caf\xc3\xa9"), 6u);
}

}  // namespace
}  // namespace envlock::cli
