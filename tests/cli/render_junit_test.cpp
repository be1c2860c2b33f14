#include "cli/render_junit.hpp"

#include <gtest/gtest.h>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

RenderOptions fixed_options() {
  RenderOptions opts;
  opts.timestamp = "2026-11-27T10:31:00";
  opts.hostname = "ci-runner";
  return opts;
}

TEST(RenderJunit, HostileReportIsValidAgainstTheSchema) {
  const std::string xml = render_junit(testing::hostile_report(), fixed_options());
  const auto v = testing::validate_xml(xml, testing::schema_path("junit.xsd"));
  ENVLOCK_EXPECT_SCHEMA_VALID(v) << v.output << xml;
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", 0), 0u);
  EXPECT_NE(xml.find("<testsuite package=\"envlock\" id=\"0\" name=\"envlock model.envlock.toml\" "
                     "timestamp=\"2026-11-27T10:31:00\" hostname=\"ci-runner\" tests=\"6\" "
                     "failures=\"3\" errors=\"0\" skipped=\"2\" time=\"0\">"),
            std::string::npos)
      << xml;
}

TEST(RenderJunit, EmptyReportHasOnePassingTestcase) {
  const std::string xml = render_junit(testing::empty_report(), fixed_options());
  const auto v = testing::validate_xml(xml, testing::schema_path("junit.xsd"));
  ENVLOCK_EXPECT_SCHEMA_VALID(v) << v.output << xml;
  EXPECT_NE(xml.find("tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\""), std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"envlock\" name=\"environment matches the lock\" "
                     "time=\"0\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<property name=\"envlock.verdict\" value=\"pass\"/>"), std::string::npos);
}

TEST(RenderJunit, SeverityDecidesTheTestcaseOutcome) {
  const std::string xml = render_junit(testing::hostile_report(), fixed_options());
  EXPECT_NE(xml.find("    <testcase classname=\"envlock.package-changed\" name=\"numpy\" time=\"0\">\n"
                     "      <failure type=\"package-changed\" message=\"numpy 1.26.4 is locked, "
                     "2.0.0 is installed\">severity: block\n"),
            std::string::npos);
  EXPECT_NE(xml.find("    <testcase classname=\"envlock.package-extra\" name=\"rich\" time=\"0\">\n"
                     "      <skipped message=\"warn: rich 13.7.1 is installed but not locked\">"),
            std::string::npos);
  EXPECT_NE(xml.find("    <testcase classname=\"envlock.os\" name=\"kernel\" time=\"0\"/>\n"),
            std::string::npos);
}

TEST(RenderJunit, HostileStringsAreEscaped) {
  const std::string xml = render_junit(testing::hostile_report(), fixed_options());
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
  EXPECT_NE(xml.find("name=\"&lt;script&gt;alert(1)&lt;/script&gt;\""), std::string::npos);
  EXPECT_NE(xml.find("message=\"a &amp; b &quot;quoted&quot; &#39;single&#39; | pipe\""),
            std::string::npos);
  // A newline in a value never starts a line of its own.
  EXPECT_NE(xml.find("name=\"evil\\nBLOCKED: forged line\""), std::string::npos);
  EXPECT_EQ(xml.find("\nBLOCKED: forged"), std::string::npos);
  for (char c : xml) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_TRUE(b >= 0x20 || c == '\n') << "raw control byte " << int(b);
  }
  EXPECT_NE(xml.find("bytes \\xff\\xfe and \\xc3"), std::string::npos);
}

TEST(RenderJunit, MissingTimestampAndHostnameAreFilledIn) {
  const std::string xml = render_junit(testing::empty_report(), RenderOptions{});
  const auto v = testing::validate_xml(xml, testing::schema_path("junit.xsd"));
  ENVLOCK_EXPECT_SCHEMA_VALID(v) << v.output << xml;
  EXPECT_EQ(xml.find("hostname=\"\""), std::string::npos);
  EXPECT_EQ(xml.find("timestamp=\"\""), std::string::npos);
}

}  // namespace
}  // namespace envlock::cli
