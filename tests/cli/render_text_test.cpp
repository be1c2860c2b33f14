#include "cli/render_text.hpp"

#include <gtest/gtest.h>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

using resolver::Finding;
using resolver::Severity;

TEST(RenderText, HostileReportExactly) {
  const std::string expected =
      "BLOCKED: 3 blocking, 2 warnings, 1 note (lock model.envlock.toml vs python:/usr/bin/python3)\n"
      "\n"
      "Blocking (3)\n"
      "  dependency-broken  torch                       (absent)    \u2192 2.1.0       torch 2.1.0 requires numpy<2\n"
      "  package-changed    numpy                       1.26.4      \u2192 2.0.0       numpy 1.26.4 is locked, 2.0.0 is installed\n"
      "  package-missing    <script>alert(1)</script>   1.0         \u2192 (absent)    a & b \"quoted\" 'single' | pipe\n"
      "\n"
      "Warnings (2)\n"
      "  file-modified      evil\\nBLOCKED: forged line  sha256=abc  \u2192 sha256=def  colour \\x1b[31mred\\x1b[0m, bell\\x07, nul-less \\x01 end\n"
      "  package-extra      rich                        (absent)    \u2192 13.7.1      rich 13.7.1 is installed but not locked\n"
      "\n"
      "Notes (1)\n"
      "  os                 kernel                      6.1.0       \u2192 6.8.0       bytes \\xff\\xfe and \\xc3 and bidi \\u202e*[x]_ `y` ~z~ done\n";
  EXPECT_EQ(render_text(testing::hostile_report(), RenderOptions{}), expected);
}

TEST(RenderText, NoFindingsIsOneLine) {
  EXPECT_EQ(render_text(testing::empty_report(), RenderOptions{}),
            "PASS: no differences (lock model.envlock.toml vs python:/usr/bin/python3)\n");
}

TEST(RenderText, PassWithWarnings) {
  resolver::Report report = testing::empty_report();
  report.findings = {
      Finding{Severity::kWarn, "package-extra", "rich", std::nullopt, "13.7.1", "extra", {}},
      Finding{Severity::kWarn, "package-extra", "six", std::nullopt, "1.16.0", "extra", {}},
      Finding{Severity::kWarn, "package-extra", "tqdm", std::nullopt, "4.66.1", "extra", {}},
  };
  EXPECT_EQ(render_text(report, RenderOptions{}),
            "PASS with 3 warnings (lock model.envlock.toml vs python:/usr/bin/python3)\n"
            "\n"
            "Warnings (3)\n"
            "  package-extra  rich  (absent)  \u2192 13.7.1  extra\n"
            "  package-extra  six   (absent)  \u2192 1.16.0  extra\n"
            "  package-extra  tqdm  (absent)  \u2192 4.66.1  extra\n");
}

TEST(RenderText, OneWarningOneNote) {
  resolver::Report report = testing::empty_report();
  report.findings = {
      Finding{Severity::kWarn, "gpu", "0", "H100", "A100", "", {}},
      Finding{Severity::kInfo, "os", "kernel", "6.1", "6.8", "kernel differs", {}},
  };
  const std::string text = render_text(report, RenderOptions{});
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "PASS with 1 warning, 1 note (lock model.envlock.toml vs python:/usr/bin/python3)");
  // An empty message leaves no trailing blanks.
  EXPECT_NE(text.find("  gpu  0       H100  \u2192 A100\n"), std::string::npos) << text;
}

TEST(RenderText, RequirementNotInMessageIsAppended) {
  resolver::Report report = testing::empty_report();
  report.findings = {Finding{Severity::kBlock, "dependency-broken", "torch", std::nullopt, "2.1.0",
                             "torch is broken", "numpy<2"}};
  EXPECT_NE(render_text(report, RenderOptions{}).find("torch is broken (requires numpy<2)\n"),
            std::string::npos);
}

TEST(RenderText, ColourOnlyWhenAsked) {
  const resolver::Report report = testing::hostile_report();
  RenderOptions opts;
  EXPECT_EQ(render_text(report, opts).find('\x1b'), std::string::npos);
  opts.color = true;
  const std::string coloured = render_text(report, opts);
  EXPECT_EQ(coloured.rfind("\x1b[1;31mBLOCKED: 3 blocking, 2 warnings, 1 note\x1b[0m (lock ", 0), 0u);
  EXPECT_NE(coloured.find("\x1b[1;33mWarnings (2)\x1b[0m\n"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[2m(absent)\x1b[0m"), std::string::npos);
  // Alignment ignores the escape sequences: every arrow sits in the same column
  // once the colour is stripped.
  std::string plain;
  for (std::size_t i = 0; i < coloured.size(); ++i) {
    if (coloured[i] == '\x1b') {
      i = coloured.find('m', i);
      continue;
    }
    plain += coloured[i];
  }
  EXPECT_EQ(plain, render_text(report, RenderOptions{}));
}

TEST(RenderText, LongValuesDoNotWidenEveryRow) {
  resolver::Report report = testing::empty_report();
  report.findings = {
      Finding{Severity::kBlock, "file-modified", std::string(100, 'x'), "a", "b", "m", {}},
      Finding{Severity::kBlock, "file-modified", "y", "a", "b", "m", {}},
  };
  const std::string text = render_text(report, RenderOptions{});
  EXPECT_NE(text.find("  file-modified  " + std::string(100, 'x') + "  a  \u2192 b  m\n"),
            std::string::npos);
  EXPECT_NE(text.find("  file-modified  y" + std::string(39, ' ') + "  a  \u2192 b  m\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace envlock::cli
