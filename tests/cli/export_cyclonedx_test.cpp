#include "cli/export_cyclonedx.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "cli/render_test_support.hpp"

namespace envlock::cli {
namespace {

std::string bom_schema() { return testing::schema_path("cyclonedx/bom-1.6.schema.json"); }

TEST(ExportCycloneDx, SampleIsValidAgainstTheSchema) {
  const std::string bom = export_cyclonedx(testing::sample_fingerprint());
  const auto v = testing::validate_json(bom, bom_schema());
  ENVLOCK_EXPECT_SCHEMA_VALID(v) << v.output << bom;
}

TEST(ExportCycloneDx, RequiredFieldsAndComponents) {
  const auto bom = nlohmann::json::parse(export_cyclonedx(testing::sample_fingerprint()));
  EXPECT_EQ(bom["bomFormat"], "CycloneDX");
  EXPECT_EQ(bom["specVersion"], "1.6");
  EXPECT_EQ(bom["version"], 1);
  EXPECT_TRUE(std::regex_match(bom["serialNumber"].get<std::string>(),
                               std::regex("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << bom["serialNumber"];
  EXPECT_EQ(bom["metadata"]["timestamp"], "2026-11-27T10:31:00Z");
  EXPECT_EQ(bom["metadata"]["tools"]["components"][0]["name"], "envlock");
  EXPECT_EQ(bom["metadata"]["tools"]["components"][0]["version"], ENVLOCK_VERSION);

  const auto& components = bom["components"];
  ASSERT_EQ(components.size(), 8u);  // os, python, 6 packages (shadowed six left out)
  EXPECT_EQ(components[0]["type"], "operating-system");
  EXPECT_EQ(components[0]["name"], "debian");
  EXPECT_EQ(components[1]["name"], "cpython");
  const auto& numpy = components[4];
  EXPECT_EQ(numpy["type"], "library");
  EXPECT_EQ(numpy["name"], "numpy");
  EXPECT_EQ(numpy["version"], "1.26.4");
  EXPECT_EQ(numpy["purl"], "pkg:pypi/numpy@1.26.4");
  EXPECT_EQ(numpy["bom-ref"], "pkg:pypi/numpy@1.26.4");
  EXPECT_EQ(numpy["hashes"][0]["alg"], "SHA-256");
  EXPECT_EQ(numpy["hashes"][0]["content"], std::string(64, 'b'));
  EXPECT_EQ(components[7]["purl"], "pkg:pypi/torch@2.1.0%2Bcu118");
  EXPECT_FALSE(components[5].contains("hashes"));  // six has no files digest
  EXPECT_EQ(components[3]["externalReferences"][0]["type"], "vcs");
  EXPECT_FALSE(components[2].contains("externalReferences"));  // a local editable directory
}

TEST(ExportCycloneDx, SerialNumberFollowsTheDigest) {
  auto fp = testing::sample_fingerprint();
  const auto a = nlohmann::json::parse(export_cyclonedx(fp))["serialNumber"];
  fp.packages.pop_back();
  EXPECT_EQ(nlohmann::json::parse(export_cyclonedx(fp))["serialNumber"], a);  // same digest
  fp.envlock.digest = "sha256:" + std::string(64, 'e');
  EXPECT_NE(nlohmann::json::parse(export_cyclonedx(fp))["serialNumber"], a);
  fp.envlock.digest.clear();  // an unlocked scan still gets a stable serial
  EXPECT_EQ(export_cyclonedx(fp), export_cyclonedx(fp));
}

TEST(ExportCycloneDx, HostileNamesAreKeptAndStillValid) {
  auto fp = testing::sample_fingerprint();
  fp.packages[2].name = "num py/\xff<x>";
  fp.packages[2].version = "1 \"2\"";
  fp.packages[3].files.digest = "sha256:not-hex";
  const std::string bom = export_cyclonedx(fp);
  const auto v = testing::validate_json(bom, bom_schema());
  ENVLOCK_EXPECT_SCHEMA_VALID(v) << v.output;
  const auto doc = nlohmann::json::parse(bom);
  EXPECT_EQ(doc["components"][4]["purl"], "pkg:pypi/num%20py%2F%FF%3Cx%3E@1%20%222%22");
  EXPECT_EQ(doc["components"][4]["name"], "num py/\xef\xbf\xbd<x>");
}

TEST(ExportCycloneDx, DuplicateNamesGetDistinctRefs) {
  auto fp = testing::sample_fingerprint();
  fp.packages[4].shadowed = false;  // two six 1.16.0? make them equal
  fp.packages[4].version = "1.16.0";
  const std::string bom = export_cyclonedx(fp);
  const auto doc = nlohmann::json::parse(bom);
  EXPECT_EQ(doc["components"][5]["bom-ref"], "pkg:pypi/six@1.16.0");
  EXPECT_EQ(doc["components"][6]["bom-ref"], "pkg:pypi/six@1.16.0#2");
  const auto v = testing::validate_json(bom, bom_schema());
  ENVLOCK_EXPECT_SCHEMA_VALID(v) << v.output;
}

TEST(PypiPurl, NormalizesAndEncodes) {
  EXPECT_EQ(pypi_purl("Django_Rest", "3.0"), "pkg:pypi/django-rest@3.0");
  EXPECT_EQ(pypi_purl("x", ""), "pkg:pypi/x");
  EXPECT_EQ(pypi_purl("x", "1!2.0+local.1"), "pkg:pypi/x@1%212.0%2Blocal.1");
}

TEST(UuidUrn, Version8AndStable) {
  EXPECT_EQ(uuid_urn_from("seed"), uuid_urn_from("seed"));
  EXPECT_NE(uuid_urn_from("seed"), uuid_urn_from("seed2"));
  EXPECT_EQ(uuid_urn_from("seed").size(), std::string("urn:uuid:").size() + 36);
}

}  // namespace
}  // namespace envlock::cli
