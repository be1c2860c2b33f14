#include "cli/render_markdown.hpp"

#include <gtest/gtest.h>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

TEST(RenderMarkdown, HeadingSummaryAndTables) {
  const std::string md = render_markdown(testing::hostile_report(), RenderOptions{});
  EXPECT_EQ(md.rfind("## envlock: BLOCKED: 3 blocking, 2 warnings, 1 note\n\n"
                     "Lock model.envlock.toml vs target python:/usr/bin/python3 (envlock " ENVLOCK_VERSION
                     ").\n\n"
                     "| category | block | warn | info |\n| --- | ---: | ---: | ---: |\n"
                     "| dependency-broken | 1 | 0 | 0 |\n"
                     "| file-modified | 0 | 1 | 0 |\n"
                     "| os | 0 | 0 | 1 |\n",
                     0),
            0u)
      << md;
  EXPECT_NE(md.find("\n### Blocking (3)\n\n| category | subject | lock | target | message |\n"
                    "| --- | --- | --- | --- | --- |\n"
                    "| dependency-broken | torch | *(absent)* | 2.1.0 | torch 2.1.0 requires numpy&lt;2 |\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("\n### Warnings (2)\n"), std::string::npos);
  EXPECT_NE(md.find("\n### Notes (1)\n"), std::string::npos);
}

TEST(RenderMarkdown, HostileStringsCannotBreakTheTable) {
  const std::string md = render_markdown(testing::hostile_report(), RenderOptions{});
  EXPECT_NE(md.find("| package-missing | &lt;script&gt;alert(1)&lt;/script&gt; | 1.0 | *(absent)* | "
                    "a &amp; b \"quoted\" 'single' \\| pipe |\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| file-modified | evil<br>BLOCKED: forged line | sha256=abc | sha256=def | "
                    "colour \\\\x1b\\[31mred\\\\x1b\\[0m, bell\\\\x07, nul-less \\\\x01 end |\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| os | kernel | 6.1.0 | 6.8.0 | bytes \\\\xff\\\\xfe and \\\\xc3 and bidi "
                    "\\\\u202e\\*\\[x\\]\\_ \\`y\\` \\~z\\~ done |\n"),
            std::string::npos)
      << md;
  // Every table row has exactly its columns' unescaped pipes.
  std::size_t pos = 0;
  while ((pos = md.find("\n| ", pos)) != std::string::npos) {
    const std::size_t end = md.find('\n', pos + 1);
    const std::string line = md.substr(pos + 1, end - pos - 1);
    std::size_t pipes = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\\') {
        ++i;
      } else if (line[i] == '|') {
        ++pipes;
      }
    }
    EXPECT_TRUE(pipes == 5 || pipes == 6) << line;
    pos = end;
  }
}

TEST(RenderMarkdown, PassWithoutFindingsHasNoTables) {
  EXPECT_EQ(render_markdown(testing::empty_report(), RenderOptions{}),
            "## envlock: PASS: no differences\n\n"
            "Lock model.envlock.toml vs target python:/usr/bin/python3 (envlock " ENVLOCK_VERSION
            ").\n");
}

}  // namespace
}  // namespace envlock::cli
