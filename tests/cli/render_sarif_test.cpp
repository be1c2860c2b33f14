#include "cli/render_sarif.hpp"

#include <gtest/gtest.h>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

TEST(RenderSarif, HostileReportIsValidAgainstTheSchema) {
  const std::string sarif = render_sarif(testing::hostile_report(), RenderOptions{});
  const auto v = testing::validate_json(sarif, testing::schema_path("sarif-schema-2.1.0.json"));
  ENVLOCK_EXPECT_SCHEMA_VALID(v) << v.output;
  const auto empty = render_sarif(testing::empty_report(), RenderOptions{});
  const auto v2 = testing::validate_json(empty, testing::schema_path("sarif-schema-2.1.0.json"));
  ENVLOCK_EXPECT_SCHEMA_VALID(v2) << v2.output;
}

TEST(RenderSarif, TheValidatorRejectsABrokenLog) {
  // Guards the check above: a log with a wrong level must not pass.
  const auto v = testing::validate_json(
      R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
          "results": [{"message": {"text": "m"}, "level": "fatal"}]}]})",
      testing::schema_path("sarif-schema-2.1.0.json"));
  ENVLOCK_EXPECT_SCHEMA_INVALID(v);
}

TEST(RenderSarif, DriverRulesAndResults) {
  RenderOptions opts;
  opts.tool_version = "9.8.7";
  const auto log = nlohmann::json::parse(render_sarif(testing::hostile_report(), opts));
  EXPECT_EQ(log["version"], "2.1.0");
  ASSERT_EQ(log["runs"].size(), 1u);
  const auto& run = log["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "envlock");
  EXPECT_EQ(run["tool"]["driver"]["version"], "9.8.7");
  const auto& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 6u);  // one per category, sorted
  EXPECT_EQ(rules[0]["id"], "dependency-broken");
  EXPECT_EQ(rules[0]["name"], "DependencyBroken");
  EXPECT_EQ(rules[5]["id"], "package-missing");
  EXPECT_EQ(rules[3]["shortDescription"]["text"], "A locked package is installed at another version");

  const auto& results = run["results"];
  ASSERT_EQ(results.size(), 6u);
  const auto& first = results[0];
  EXPECT_EQ(first["ruleId"], "dependency-broken");
  EXPECT_EQ(first["ruleIndex"], 0);
  EXPECT_EQ(first["level"], "error");
  EXPECT_EQ(first["message"]["text"], "torch 2.1.0 requires numpy<2");
  EXPECT_EQ(first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "model.envlock.toml");
  EXPECT_EQ(first["locations"][0]["logicalLocations"][0]["name"], "torch");
  EXPECT_EQ(first["properties"]["requirement"], "numpy<2");
  EXPECT_TRUE(first["properties"]["lock"].is_null());
  EXPECT_EQ(results[3]["level"], "warning");
  EXPECT_EQ(results[3]["ruleIndex"], 1);
  EXPECT_EQ(results[5]["level"], "note");
  EXPECT_EQ(results[2]["locations"][0]["logicalLocations"][0]["name"], "<script>alert(1)</script>");
  EXPECT_EQ(run["properties"]["verdict"], "blocked");
  // Stable identity across runs, different per finding.
  EXPECT_EQ(results[0]["partialFingerprints"]["envlockFinding/v1"].get<std::string>().size(), 64u);
  EXPECT_NE(results[0]["partialFingerprints"], results[1]["partialFingerprints"]);
}

TEST(RenderSarif, IllFormedUtf8BecomesReplacementCharacters) {
  const auto log = nlohmann::json::parse(render_sarif(testing::hostile_report(), RenderOptions{}));
  EXPECT_EQ(log["runs"][0]["results"][5]["message"]["text"],
            "bytes \xef\xbf\xbd\xef\xbf\xbd and \xef\xbf\xbd and bidi \u202e*[x]_ `y` ~z~ done");
}

TEST(RenderSarif, EmptyMessageGetsOne) {
  resolver::Report report = testing::empty_report();
  report.findings = {resolver::Finding{resolver::Severity::kWarn, "gpu", "0", "a", "b", "", {}}};
  const auto log = nlohmann::json::parse(render_sarif(report, RenderOptions{}));
  EXPECT_EQ(log["runs"][0]["results"][0]["message"]["text"], "gpu: 0");
}

TEST(RenderSarif, NoLockMeansNoPhysicalLocation) {
  resolver::Report report = testing::hostile_report();
  report.lock.clear();
  const std::string sarif = render_sarif(report, RenderOptions{});
  const auto log = nlohmann::json::parse(sarif);
  EXPECT_FALSE(log["runs"][0]["results"][0]["locations"][0].contains("physicalLocation"));
  const auto v = testing::validate_json(sarif, testing::schema_path("sarif-schema-2.1.0.json"));
  ENVLOCK_EXPECT_SCHEMA_VALID(v) << v.output;
}

TEST(PathToUri, EncodesPathsAndKeepsUrls) {
  EXPECT_EQ(path_to_uri("model.envlock.toml"), "model.envlock.toml");
  EXPECT_EQ(path_to_uri("locks/a b#1.toml"), "locks/a%20b%231.toml");
  EXPECT_EQ(path_to_uri("/srv/locks/m.toml"), "file:///srv/locks/m.toml");
  EXPECT_EQ(path_to_uri("c:lock.toml"), "c%3Alock.toml");
  EXPECT_EQ(path_to_uri("https://example.com/m.envlock.toml"), "https://example.com/m.envlock.toml");
  EXPECT_EQ(path_to_uri("https://example.com/a b"), "https%3A//example.com/a%20b");
  EXPECT_EQ(path_to_uri("\xff\n"), "%FF%0A");
}

}  // namespace
}  // namespace envlock::cli
