#include "cli/render_html.hpp"

#include <gtest/gtest.h>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

TEST(RenderHtml, SelfContainedPageWithBannerAndTables) {
  const std::string html = render_html(testing::hostile_report(), RenderOptions{});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">\n", 0), 0u);
  EXPECT_NE(html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                      "style-src 'unsafe-inline'\">"),
            std::string::npos);
  EXPECT_NE(html.find("<div class=\"verdict blocked\">BLOCKED: 3 blocking, 2 warnings, 1 note</div>"),
            std::string::npos);
  EXPECT_NE(html.find("<h2 class=\"block\">Blocking (3)</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2 class=\"warn\">Warnings (2)</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2 class=\"info\">Notes (1)</h2>"), std::string::npos);
  EXPECT_EQ(html.substr(html.size() - 16), "</body>\n</html>\n");
  // Nothing is loaded from elsewhere and nothing runs.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
}

TEST(RenderHtml, HostileStringsAreEscaped) {
  const std::string html = render_html(testing::hostile_report(), RenderOptions{});
  EXPECT_NE(html.find("<td class=\"value\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>a &amp; b &quot;quoted&quot; &#39;single&#39; | pipe</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"value\">evil&#10;BLOCKED: forged line</td>"), std::string::npos);
  EXPECT_NE(html.find("colour \\x1b[31mred\\x1b[0m, bell\\x07"), std::string::npos);
  EXPECT_NE(html.find("bytes \\xff\\xfe and \\xc3 and bidi \\u202e"), std::string::npos);
  for (char c : html) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_TRUE(b >= 0x20 || c == '\n') << "raw control byte " << int(b);
  }
}

TEST(RenderHtml, PassBanner) {
  const std::string html = render_html(testing::empty_report(), RenderOptions{});
  EXPECT_NE(html.find("<div class=\"verdict pass\">PASS: no differences</div>"), std::string::npos);
  EXPECT_EQ(html.find("<table>"), std::string::npos);
}

}  // namespace
}  // namespace envlock::cli
