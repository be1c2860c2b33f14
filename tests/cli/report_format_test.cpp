#include "cli/report_format.hpp"

#include <gtest/gtest.h>

#include "cli/render_html.hpp"
#include "cli/render_json.hpp"
#include "cli/render_junit.hpp"
#include "cli/render_markdown.hpp"
#include "cli/render_sarif.hpp"
#include "cli/render_test_support.hpp"
#include "cli/render_text.hpp"

namespace envlock::cli {
namespace {

TEST(ReportFormat, ParsesEveryWord) {
  for (const char* word : {"text", "json", "junit", "markdown", "sarif", "html"}) {
    const auto format = parse_report_format(word);
    ASSERT_TRUE(format) << word;
  }
}

TEST(ReportFormat, UnknownWordIsAUsageError) {
  const auto format = parse_report_format("xml");
  ASSERT_FALSE(format);
  EXPECT_EQ(format.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(format.error().message,
            "unknown format 'xml' (expected text, json, junit, markdown, sarif or html)");
  EXPECT_EQ(parse_report_format("JSON\x1b[2J").error().message,
            "unknown format 'JSON\\x1b[2J' (expected text, json, junit, markdown, sarif or html)");
}

TEST(ReportFormat, DispatchesToEachRenderer) {
  const resolver::Report report = testing::hostile_report();
  RenderOptions opts;
  opts.timestamp = "2026-11-27T10:31:00";
  opts.hostname = "h";
  EXPECT_EQ(render_report(report, ReportFormat::kText, opts), render_text(report, opts));
  EXPECT_EQ(render_report(report, ReportFormat::kJson, opts), render_json(report));
  EXPECT_EQ(render_report(report, ReportFormat::kJunit, opts), render_junit(report, opts));
  EXPECT_EQ(render_report(report, ReportFormat::kMarkdown, opts), render_markdown(report, opts));
  EXPECT_EQ(render_report(report, ReportFormat::kSarif, opts), render_sarif(report, opts));
  EXPECT_EQ(render_report(report, ReportFormat::kHtml, opts), render_html(report, opts));
}

TEST(ReportFormat, EveryFormatEndsInOneNewline) {
  for (const char* word : {"text", "json", "junit", "markdown", "sarif", "html"}) {
    for (const auto& report : {testing::hostile_report(), testing::empty_report()}) {
      const std::string out = render_report(report, *parse_report_format(word), RenderOptions{});
      ASSERT_GE(out.size(), 2u);
      EXPECT_EQ(out.back(), '\n') << word;
      EXPECT_NE(out[out.size() - 2], '\n') << word;
    }
  }
}

}  // namespace
}  // namespace envlock::cli
