#include "lockfile/json_codec.hpp"

#include <gtest/gtest.h>

#include "lockfile/decoder.hpp"
#include "lockfile/lock_io.hpp"
#include "lockfile/sample_fingerprint.hpp"

namespace envlock::lockfile {
namespace {

using nlohmann::json;

TEST(JsonCodec, UsesTheKeysAndNestingOfTheLockfile) {
  json doc = to_json(testing::sample_fingerprint());
  EXPECT_EQ(doc["envlock"]["schema"], 1);
  EXPECT_EQ(doc["envlock"]["created"], "2026-11-27T10:31:00Z");
  EXPECT_EQ(doc["python"]["site-dirs"][1], "/usr/lib/python3/dist-packages");
  // Packages come out sorted by name whatever the model's order.
  EXPECT_EQ(doc["packages"][0]["name"], "certifi");
  const json& numpy = doc["packages"][1];
  EXPECT_EQ(numpy["requires"][1], "hypothesis");
  EXPECT_EQ(numpy["files"]["count"], 1234);
  EXPECT_EQ(numpy["raw-name"], "NumPy");
  EXPECT_EQ(numpy["requires-python"], ">=3.9");
  EXPECT_EQ(numpy["direct-kind"], "archive");
  EXPECT_EQ(doc["native"][1]["resolved"]["libmissing.so.1"], "");
  EXPECT_EQ(doc["native"][1]["glibc-max"], "2.17");
  EXPECT_EQ(doc["os"]["version-id"], "12");
  EXPECT_EQ(doc["hardware"]["cpu"]["flags"], json({"avx", "avx2", "avx512f"}));
  EXPECT_EQ(doc["hardware"]["gpus"][0]["compute-capability"], "9.0");
  EXPECT_EQ(doc["hardware"]["gpus"][0]["memory-bytes"], 85899345920);
  EXPECT_EQ(doc["image"]["manifest-digest"], "sha256:" + std::string(64, '1'));
  EXPECT_EQ(doc["cuda"]["cudart"], "12.1.105");
  EXPECT_EQ(doc["integrity"][0]["problem"], "modified");
  EXPECT_EQ(doc["diagnostics"][0]["message"], "METADATA: missing Name");
}

TEST(JsonCodec, LeavesOutEmptyOptionalPartsButKeepsAnEmptyGpuList) {
  Fingerprint fp;
  fp.hardware.emplace();
  Package p;
  p.name = "a";
  p.version = "1";
  fp.packages = {p};
  json doc = to_json(fp);
  EXPECT_FALSE(doc.contains("python"));
  EXPECT_FALSE(doc.contains("os"));
  EXPECT_FALSE(doc.contains("native"));
  EXPECT_FALSE(doc.contains("env"));
  EXPECT_FALSE(doc.contains("image"));
  EXPECT_FALSE(doc["envlock"].contains("signature"));
  EXPECT_FALSE(doc["packages"][0].contains("raw-name"));
  EXPECT_FALSE(doc["packages"][0].contains("shadowed"));
  EXPECT_EQ(doc["hardware"]["gpus"], json::array());
}

TEST(JsonCodec, RoundTripsAFullyPopulatedFingerprint) {
  Fingerprint fp = testing::sample_fingerprint();
  auto back = parse_fingerprint_text(to_json(fp).dump(2), "scan.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(fp));
  EXPECT_EQ(back->packages[1].raw_name, "NumPy");
  EXPECT_TRUE(back->packages[1].requested);
  EXPECT_TRUE(back->packages[1].shadowed);
  EXPECT_EQ(back->packages[1].files.count, 1234u);
  EXPECT_EQ(back->native[1].resolved.at("libc.so.6"), "/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(back->hardware->cpu.memory_bytes, 8589934592);
  EXPECT_EQ(back->hardware->gpus[0].bus, "0000:3b:00.0");
  EXPECT_EQ(back->os->glibcxx_max, "GLIBCXX_3.4.30");
  EXPECT_EQ(back->image->layers.size(), 2u);
  EXPECT_EQ(back->envlock.target, "python:/usr/bin/python3");
}

TEST(JsonCodec, ReplacesInvalidUtf8) {
  Fingerprint fp;
  Diagnostic d;
  d.subject = "caf\xe9";
  d.message = "ok \xc3\xa9";
  fp.diagnostics = {d};
  json doc = to_json(fp);
  EXPECT_EQ(doc["diagnostics"][0]["subject"], "caf\xef\xbf\xbd");
  EXPECT_EQ(doc["diagnostics"][0]["message"], "ok \xc3\xa9");

  // Every kind of bad sequence, between good ASCII and multi-byte characters.
  d.subject = "a\xff\xe2\x82\xac\xc0\xaf\xed\xa0\x80z\xf0\x9f\x98\x80\xe2\x82";
  fp.diagnostics = {d};
  doc = to_json(fp);
  const std::string r = "\xef\xbf\xbd";
  EXPECT_EQ(doc["diagnostics"][0]["subject"],
            "a" + r + "\xe2\x82\xac" + r + r + r + r + r + "z\xf0\x9f\x98\x80" + r + r);
  EXPECT_EQ(to_ordered_json(fp, true)["diagnostics"][0]["subject"], doc["diagnostics"][0]["subject"]);
}

TEST(JsonCodec, IgnoresUnknownKeys) {
  auto fp = parse_fingerprint_text(R"({"envlock": {"schema": 1, "future": [1]}, "future": {"x": 1},
                          "packages": [{"name": "a", "version": "1", "later": true}]})",
                       "scan.json");
  ASSERT_TRUE(fp) << fp.error().message;
  EXPECT_EQ(fp->packages.at(0).name, "a");
}

TEST(JsonCodec, SyntaxErrorsNameLineAndColumn) {
  auto r = parse_fingerprint_text("{\"envlock\":\n {\"schema\": 1,,}}", "scan.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().message,
            "scan.json:2:15: syntax error while parsing object key - unexpected ','; expected "
            "string literal");
}

TEST(JsonCodec, TypeErrorsNameLineAndField) {
  auto r = parse_fingerprint_text(
      "{\"envlock\": {\"schema\": 1},\n"
      " \"packages\": [{\"name\": \"a\", \"version\": \"1\"},\n"
      "  {\"name\": \"b\",\n"
      "   \"version\": 2}]}",
      "scan.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "scan.json:4: packages[1].version: expected a string, got integer");

  r = parse_fingerprint_text(R"({"envlock": {"schema": 1}, "hardware": {"cpu": {"cores": "2"}}})", "s.json");
  EXPECT_EQ(r.error().message, "s.json:1: hardware.cpu.cores: expected an integer, got string");

  r = parse_fingerprint_text(R"({"envlock": {"schema": 1}, "packages": [{"name": "a", "version": "1",
                    "files": {"count": -1}}]})",
                 "s.json");
  EXPECT_EQ(r.error().message,
            "s.json:2: packages[0].files.count: expected a non-negative integer, got -1");

  r = parse_fingerprint_text(R"({"envlock": {"schema": 1}, "native": [{"path": "/x", "resolved": {"a.so": 1}}]})",
                 "s.json");
  EXPECT_EQ(r.error().message,
            "s.json:1: native[0].resolved.\"a.so\": expected a string, got integer");

  r = parse_fingerprint_text(R"({"envlock": {"schema": 1}, "packages": [{"name": "a", "version": "1",
                    "bytecode-pinned": "3"}]})",
                 "s.json");
  EXPECT_EQ(r.error().message,
            "s.json:2: packages[0].bytecode-pinned: expected a non-negative integer, got string");
  r = parse_fingerprint_text(R"({"envlock": {"schema": 1}, "bytecode": [{"path": "a.pyc", "sha256": 1}]})",
                 "s.json");
  EXPECT_EQ(r.error().message, "s.json:1: bytecode[0].sha256: expected a string, got integer");
  r = parse_fingerprint_text(R"({"envlock": {"schema": 1}, "bytecode": [{"sha256": "x"}]})", "s.json");
  EXPECT_EQ(r.error().message, "s.json:1: bytecode[0].path: missing required key");

  r = parse_fingerprint_text(R"({"envlock": {"schema": 1}, "python": []})", "s.json");
  EXPECT_EQ(r.error().message, "s.json:1: python: expected an object, got array");
}

TEST(JsonCodec, MissingRequiredKeysAndSchema) {
  auto r = parse_fingerprint_text("{\"envlock\": {\"schema\": 1},\n \"packages\": [\n {\"name\": \"a\"}]}", "s.json");
  EXPECT_EQ(r.error().message, "s.json:3: packages[0].version: missing required key");
  r = parse_fingerprint_text("{\"envlock\": {\n\"schema\": 7}}", "s.json");
  EXPECT_EQ(r.error().message, "s.json:2: envlock.schema: unsupported schema version 7 (this envlock reads 1)");
  r = parse_fingerprint_text("{\"envlock\": {}}", "s.json");
  EXPECT_EQ(r.error().message, "s.json:1: envlock.schema: missing required key");
  r = parse_fingerprint_text("{\"python\": {}}", "s.json");
  EXPECT_EQ(r.error().message,
            "s.json: missing \"envlock\" object; this is not an envlock lock or scan");
  // A lock file starting with '[' is read as TOML; the decoder alone must
  // still refuse a top level that is not an object.
  auto top = decode_document(json::array({1, 2}), "s.json", nullptr);
  EXPECT_EQ(top.error().message, "s.json: expected a JSON object at the top level");
}

TEST(JsonCodec, RejectsDeepNestingBeforeParsing) {
  std::string deep = "{\"envlock\": {\"schema\": 1}, \"x\": " + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  auto r = parse_fingerprint_text(deep, "deep.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "deep.json:1: nested deeper than 64 levels");
}

TEST(JsonCodec, RejectsNumbersThatOverflowToInfinity) {
  auto r = parse_fingerprint_text(R"({"envlock": {"schema": 1}, "python": {"scale": 1e999}})", "lock.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().message.rfind("lock.json", 0), 0u) << r.error().message;
}

TEST(JsonCodec, RefusesMoreValuesThanItsSizeAllows) {
  std::string text = R"({"envlock": {"schema": 1}, "x": [)";
  for (int i = 0; i < 200000; ++i) text += "{},";
  text += "{}]}";
  auto r = parse_fingerprint_text(text, "big.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("big.json:1: more than ", 0), 0u) << r.error().message;
}

}  // namespace
}  // namespace envlock::lockfile
