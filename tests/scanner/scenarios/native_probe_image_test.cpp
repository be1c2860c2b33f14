// A deleted extension module in an image: a later layer whites it out. The
// lock (full or --fast) of the image with the module and a check of the
// image without it (full or --fast) must block with native-missing, as a
// check of the live tree does (tests/cli/scenarios/check_native_test.cpp).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/sha256.hpp"
#include "scanner/python/record_parser.hpp"
#include "scanner/support/image_builder.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;

const std::string kSite = "usr/lib/python3/dist-packages/";

std::string record_hash(const std::string& content) {
  return "sha256=" + urlsafe_b64(hex_decode(sha256_hex(content)));
}

std::vector<nlohmann::json> native_missing(const std::string& out) {
  std::vector<nlohmann::json> found;
  if (out.empty() || out.front() != '{') return found;
  const auto report = nlohmann::json::parse(out);
  for (const auto& f : report["findings"]) {
    if (f["category"] == "native-missing") found.push_back(f);
  }
  return found;
}

TEST(NativeProbeImage, AWhitedOutExtensionModuleIsNativeMissing) {
  TempDir tmp;
  write_file(tmp / "ext.c", "int ext_value(void) { return 1; }\n");
  auto cc = run({"cc", "-shared", "-fPIC", "-o", tmp / "_ext.so", tmp / "ext.c"});
  ASSERT_EQ(cc.status, 0) << cc.err;
  const std::string module = read_file(tmp / "_ext.so");
  const std::string meta = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
  const std::string init = "from demo._ext import *\n";
  const std::string record =
      "demo/__init__.py," + record_hash(init) + "," + std::to_string(init.size()) +
      "\ndemo/_ext.so," + record_hash(module) + "," + std::to_string(module.size()) +
      "\ndemo-1.0.dist-info/METADATA," + record_hash(meta) + "," + std::to_string(meta.size()) +
      "\ndemo-1.0.dist-info/INSTALLER,,\n"
      "demo-1.0.dist-info/RECORD,,\n";
  Layer base{{file("usr/lib/python3.11/os.py", "# stdlib\n"),
              file(kSite + "demo/__init__.py", init), file(kSite + "demo/_ext.so", module, 0755),
              file(kSite + "demo-1.0.dist-info/METADATA", meta),
              file(kSite + "demo-1.0.dist-info/INSTALLER", "pip\n"),
              file(kSite + "demo-1.0.dist-info/RECORD", record)},
             Compression::kGzip};
  ImageSpec good;
  good.layers = {base};
  write_oci_layout(tmp / "good", good);
  ImageSpec gone;
  gone.layers = {base, {{whiteout(kSite + "demo", "_ext.so")}, Compression::kNone}};
  write_oci_layout(tmp / "gone", gone);

  for (bool fast_lock : {false, true}) {
    std::vector<std::string> args{"lock", "--image", tmp / "good", "-o", tmp / "good.lock"};
    if (fast_lock) args.push_back("--fast");
    auto lock = envlock(args);
    ASSERT_EQ(lock.status, 0) << lock.err;
    for (bool fast : {false, true}) {
      SCOPED_TRACE(std::string(fast_lock ? "fast lock" : "full lock") +
                   (fast ? ", check --fast" : ", check"));
      auto check = [&](const std::string& image) {
        std::vector<std::string> a{"check",   "--lock", tmp / "good.lock", "--format", "json",
                                   "--image", image};
        if (fast) a.push_back("--fast");
        return envlock(a);
      };
      auto same = check(tmp / "good");
      EXPECT_EQ(same.status, 0) << same.out << same.err;
      auto after = check(tmp / "gone");
      EXPECT_EQ(after.status, 1) << after.out << after.err;
      auto missing = native_missing(after.out);
      ASSERT_EQ(missing.size(), 1u) << after.out;
      EXPECT_EQ(missing[0]["subject"], "/" + kSite + "demo/_ext.so");
    }
  }
}

}  // namespace
}  // namespace envlock::scanner
