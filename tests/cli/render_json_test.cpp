#include "cli/render_json.hpp"

#include <gtest/gtest.h>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

TEST(RenderJson, HostileReportExactly) {
  const std::string expected = R"({
  "verdict": "blocked",
  "lock": "model.envlock.toml",
  "target": "python:/usr/bin/python3",
  "findings": [
    {
      "severity": "block",
      "category": "dependency-broken",
      "subject": "torch",
      "lock": null,
      "target": "2.1.0",
      "message": "torch 2.1.0 requires numpy<2",
      "requirement": "numpy<2"
    },
    {
      "severity": "block",
      "category": "package-changed",
      "subject": "numpy",
      "lock": "1.26.4",
      "target": "2.0.0",
      "message": "numpy 1.26.4 is locked, 2.0.0 is installed"
    },
    {
      "severity": "block",
      "category": "package-missing",
      "subject": "<script>alert(1)</script>",
      "lock": "1.0",
      "target": null,
      "message": "a & b \"quoted\" 'single' | pipe"
    },
    {
      "severity": "warn",
      "category": "file-modified",
      "subject": "evil\nBLOCKED: forged line",
      "lock": "sha256=abc",
      "target": "sha256=def",
      "message": "colour \u001b[31mred\u001b[0m, bell\u0007, nul-less \u0001 end"
    },
    {
      "severity": "warn",
      "category": "package-extra",
      "subject": "rich",
      "lock": null,
      "target": "13.7.1",
      "message": "rich 13.7.1 is installed but not locked"
    },
    {
      "severity": "info",
      "category": "os",
      "subject": "kernel",
      "lock": "6.1.0",
      "target": "6.8.0",
      "message": "bytes )" "\xef\xbf\xbd\xef\xbf\xbd and \xef\xbf\xbd and bidi \xe2\x80\xae" R"(*[x]_ `y` ~z~ done"
    }
  ],
  "diagnostics": []
}
)";
  EXPECT_EQ(render_json(testing::hostile_report()), expected);
}

TEST(RenderJson, PassWithoutFindings) {
  EXPECT_EQ(render_json(testing::empty_report()),
            "{\n  \"verdict\": \"pass\",\n  \"lock\": \"model.envlock.toml\",\n"
            "  \"target\": \"python:/usr/bin/python3\",\n  \"findings\": [],\n"
            "  \"diagnostics\": []\n}\n");
}

TEST(RenderJson, RequirementOnlyOnDependencyBroken) {
  resolver::Report report = testing::empty_report();
  report.findings = {
      resolver::Finding{resolver::Severity::kWarn, "dependency-broken", "a", std::nullopt,
                        std::nullopt, "m", std::nullopt},
      resolver::Finding{resolver::Severity::kWarn, "package-extra", "b", std::nullopt, "1", "m",
                        "ignored>=1"},
  };
  const auto doc = nlohmann::json::parse(render_json(report));
  EXPECT_TRUE(doc["findings"][0].contains("requirement"));
  EXPECT_TRUE(doc["findings"][0]["requirement"].is_null());
  EXPECT_FALSE(doc["findings"][1].contains("requirement"));
  EXPECT_EQ(doc["verdict"], "pass");
}

}  // namespace
}  // namespace envlock::cli
