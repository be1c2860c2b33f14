#include "lockfile/toml_codec.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "lockfile/digest.hpp"
#include "lockfile/json_codec.hpp"
#include "lockfile/lock_io.hpp"
#include "lockfile/sample_fingerprint.hpp"
#include "support/paths.hpp"

namespace envlock::lockfile {
namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(ENVLOCK_FIXTURES) + "/locks/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const char* kMinimal = "[envlock]\nschema = 1\n";

TEST(TomlCodec, WritesTheDesignLayout) {
  // The committed fixture is the reviewed layout; a change here changes every lock.
  Fingerprint fp = testing::sample_fingerprint();
  fp.envlock.digest = compute_digest(fp);
  EXPECT_EQ(to_toml(fp), read_fixture("sample.envlock.toml"));
}

TEST(TomlCodec, RoundTripsAFullyPopulatedFingerprint) {
  Fingerprint fp = testing::sample_fingerprint();
  fp.envlock.digest = compute_digest(fp);
  fp.envlock.signature = "ed25519:" + std::string(128, 'f');
  auto back = parse_fingerprint_text(to_toml(fp), "model.envlock.toml");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(to_json(*back), to_json(fp));
  EXPECT_EQ(back->envlock.created, "2026-11-27T10:31:00Z");
  EXPECT_EQ(back->envlock.signature, fp.envlock.signature);
  EXPECT_EQ(to_toml(*back), to_toml(fp));
}

TEST(TomlCodec, RoundTripsAwkwardStrings) {
  Fingerprint fp;
  fp.envlock.created = "yesterday";  // not a datetime: stays a string
  fp.env = {{"WEIRD KEY.with dots", "tab\there \"quoted\" back\\slash\nnewline \x01\x7f"},
            {"UNICODE", "h\xc3\xa9llo \xe2\x9c\x93"}};
  Diagnostic d;
  d.subject = "";
  d.message = std::string("nul\0byte", 8);
  fp.diagnostics = {d};
  std::string text = to_toml(fp);
  EXPECT_NE(text.find("created = \"yesterday\"\n"), std::string::npos);
  auto back = parse_fingerprint_text(text, "lock.toml");
  ASSERT_TRUE(back) << back.error().message << "\n" << text;
  EXPECT_EQ(back->env, fp.env);
  EXPECT_EQ(back->envlock.created, "yesterday");
  EXPECT_EQ(back->diagnostics.at(0).message, d.message);
}

TEST(TomlCodec, OmitsEmptyOptionalSections) {
  Fingerprint fp;
  EXPECT_EQ(to_toml(fp), "[envlock]\nschema = 1\n");
  fp.hardware.emplace();
  fp.hardware->cpu.vendor = "GenuineIntel";
  EXPECT_EQ(to_toml(fp),
            "[envlock]\nschema = 1\n\n[hardware]\ngpus = []\n\n[hardware.cpu]\n"
            "vendor = \"GenuineIntel\"\nmodel = \"\"\nflags = []\ncores = 0\n");
  auto back = parse_fingerprint_text(to_toml(fp), "lock.toml");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->hardware && back->hardware->gpus.empty());
  EXPECT_FALSE(back->os);
}

TEST(TomlCodec, PythonpathRoundTripsAndIsAbsentWhenEmpty) {
  // Absent when empty, so a lock written before the field existed keeps its digest.
  Fingerprint fp = testing::sample_fingerprint();
  EXPECT_EQ(to_toml(fp).find("pythonpath"), std::string::npos);
  fp.python->pythonpath = {"/srv/app/lib", "/opt/shared"};
  std::string text = to_toml(fp);
  EXPECT_NE(text.find("pythonpath = [\"/srv/app/lib\", \"/opt/shared\"]"), std::string::npos) << text;
  auto back = parse_fingerprint_text(text, "lock.toml");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->python->pythonpath, fp.python->pythonpath);
  auto bad = parse_fingerprint_text("[envlock]\nschema = 1\n[python]\npythonpath = \"/a:/b\"\n", "lock.toml");
  EXPECT_FALSE(bad);
}

TEST(TomlCodec, SyntaxErrorsNameLineAndColumn) {
  auto r = parse_fingerprint_text("[envlock]\nschema = 1\ngenerator = \n", "lock.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().message,
            "lock.toml:3:13: Error while parsing key-value pair: expected value, saw '\\n'");
}

TEST(TomlCodec, TypeErrorsNameLineAndField) {
  std::string text = std::string(kMinimal) +
                     "\n[[packages]]\nname = \"a\"\nversion = \"1\"\n"
                     "\n[[packages]]\nname = \"b\"\nversion = \"1\"\n"
                     "\n[[packages]]\nname = \"c\"\nversion = \"1\"\n"
                     "\n[[packages]]\nname = \"d\"\nversion = 4\n";
  auto r = parse_fingerprint_text(text, "model.envlock.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "model.envlock.toml:18: packages[3].version: expected a string, got integer");

  r = parse_fingerprint_text(std::string(kMinimal) + "[os]\narch = 1979-05-27\n", "lock.toml");
  EXPECT_EQ(r.error().message, "lock.toml:4: os.arch: expected a string, got datetime");
  r = parse_fingerprint_text("packages = 3\n" + std::string(kMinimal), "lock.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "lock.toml:1: packages: expected an array of tables, got integer");
  r = parse_fingerprint_text(std::string(kMinimal) + "[hardware]\ncpu = 1\n", "lock.toml");
  EXPECT_EQ(r.error().message, "lock.toml:4: hardware.cpu: expected a table, got integer");
  r = parse_fingerprint_text(std::string(kMinimal) + "[[packages]]\nname = \"a\"\nversion = \"1\"\n"
                 "requires = [\"x\", 2]\n", "lock.toml");
  EXPECT_EQ(r.error().message, "lock.toml:6: packages[0].requires[1]: expected a string, got integer");
  r = parse_fingerprint_text(std::string(kMinimal) + "[[packages]]\nname = \"a\"\n", "lock.toml");
  EXPECT_EQ(r.error().message, "lock.toml:3: packages[0].version: missing required key");
}

TEST(TomlCodec, SchemaAndEnvlockTable) {
  auto r = parse_fingerprint_text("[envlock]\nschema = 7\n", "lock.toml");
  EXPECT_EQ(r.error().message,
            "lock.toml:2: envlock.schema: unsupported schema version 7 (this envlock reads 1)");
  r = parse_fingerprint_text("[envlock]\nschema = \"1\"\n", "lock.toml");
  EXPECT_EQ(r.error().message, "lock.toml:2: envlock.schema: expected an integer, got string");
  r = parse_fingerprint_text("[python]\nversion = \"3.11\"\n", "lock.toml");
  EXPECT_EQ(r.error().message,
            "lock.toml: missing [envlock] table; this is not an envlock lock or scan");
  r = parse_fingerprint_text("envlock = 1\n", "lock.toml");
  EXPECT_EQ(r.error().message, "lock.toml:1: envlock: expected a table, got integer");
  r = parse_fingerprint_text("[envlock]\nschema = 1\ndigest = \"md5:00\"\n", "lock.toml");
  EXPECT_EQ(r.error().message,
            "lock.toml:3: envlock.digest: expected \"sha256:\" and 64 lower-case hex digits, got "
            "\"md5:00\"");
}

TEST(TomlCodec, IgnoresUnknownKeys) {
  auto r = parse_fingerprint_text(std::string(kMinimal) +
                          "future = 1\n[[packages]]\nname = \"a\"\nversion = \"1\"\nnew-key = [1]\n"
                          "[later]\nx = 1979-05-27T07:32:00Z\n",
                      "lock.toml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->packages.at(0).name, "a");
}

TEST(TomlCodec, RejectsHostileNesting) {
  std::string header = "[" + std::string(200000, 'a');
  for (std::size_t i = 1; i < header.size(); i += 2) header[i] = '.';
  auto r = parse_fingerprint_text(std::string(kMinimal) + header + "]\n", "deep.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "deep.toml:3: a key with more than 32 dotted parts");

  r = parse_fingerprint_text(std::string(kMinimal) + "x = " + std::string(300, '[') + std::string(300, ']'),
                 "deep.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "deep.toml:3:261: Error while parsing value: exceeded maximum nested value depth of 256 "
            "(TOML_MAX_NESTED_VALUES)");

  r = parse_fingerprint_text(std::string(kMinimal) + "x = " + std::string(100, '[') + std::string(100, ']'),
                 "deep.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "deep.toml:3: nested deeper than 64 levels");

  // Dots inside strings and comments are not key parts.
  r = parse_fingerprint_text(std::string(kMinimal) + "# " + std::string(100, '.') + "\n[env]\nX = \"" +
                     std::string(100, '.') + "\"\n",
                 "ok.toml");
  EXPECT_TRUE(r) << r.error().message;
}

TEST(TomlCodec, RejectsNonFiniteFloats) {
  // JSON (and so the canonical form) cannot spell nan or inf: nlohmann writes
  // null, so a lock holding nan would share its digest with one holding null.
  for (const char* value : {"nan", "+nan", "-nan", "inf", "+inf", "-inf"}) {
    std::string text = std::string(kMinimal) + "\n[python]\nversion = \"3.11\"\nscale = " + value + "\n";
    auto r = parse_fingerprint_text(text, "lock.toml");
    ASSERT_FALSE(r) << value;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
    EXPECT_EQ(r.error().message,
              "lock.toml:6: python.scale: not a finite number (nan and inf are not allowed in a lock)")
        << value;
  }
  EXPECT_TRUE(parse_fingerprint_text(std::string(kMinimal) + "\n[python]\nscale = 1.5e300\n", "lock.toml"));
}

TEST(TomlCodec, RefusesMoreValuesThanItsSizeAllows) {
  // 3 bytes a value: far more tree than text. Refused before toml++ runs.
  std::string text = std::string(kMinimal) + "x = [";
  for (int i = 0; i < 200000; ++i) text += "{},";
  text += "{}]\n";
  auto r = parse_fingerprint_text(text, "big.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().message.rfind("big.toml:3: more than ", 0), 0u) << r.error().message;
  // The committed fixtures, written by envlock, are far from the budget.
  EXPECT_TRUE(parse_fingerprint_text(read_fixture("sample.envlock.toml"), "sample.envlock.toml"));
}

}  // namespace
}  // namespace envlock::lockfile
