// A conda environment in a container image (/opt/conda, as the continuumio
// and mambaorg images have it): the conda-meta records are read from the
// image, the conda packages reported and their files verified, and a later
// layer that patches a file conda installed blocks, as on a directory
// (tests/cli/scenarios/check_conda_test.cpp).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/sha256.hpp"
#include "scanner/support/image_builder.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;
using nlohmann::json;

const std::string kPrefix = "opt/conda/";

// A conda-meta record listing `files` (prefix-relative path -> content).
std::string record(const std::string& name, const std::string& version, const std::string& build,
                   const std::vector<std::pair<std::string, std::string>>& files) {
  json paths = json::array();
  json names = json::array();
  for (const auto& [path, content] : files) {
    paths.push_back({{"_path", path},
                     {"path_type", "hardlink"},
                     {"sha256", sha256_hex(content)},
                     {"size_in_bytes", content.size()}});
    names.push_back(path);
  }
  return json{{"name", name},
              {"version", version},
              {"build", build},
              {"build_number", 0},
              {"channel", "https://conda.anaconda.org/conda-forge/linux-64"},
              {"subdir", "linux-64"},
              {"md5", std::string(32, '0')},
              {"sha256", sha256_hex(name + version + build)},
              {"files", names},
              {"paths_data", {{"paths", paths}, {"paths_version", 1}}}}
      .dump(1);
}

TEST(CondaMetaImage, CondaPackagesInAnImageAreReportedAndVerified) {
  TempDir tmp;
  write_file(tmp / "z.c", "int z_value(void) { return 1; }\n");
  auto cc = run(
      {"cc", "-shared", "-fPIC", "-Wl,-soname,libz.so.1", "-o", tmp / "libz.so.1", tmp / "z.c"});
  ASSERT_EQ(cc.status, 0) << cc.err;
  const std::string libz = read_file(tmp / "libz.so.1");
  const std::string os_py = "# os\n";
  Layer base{
      {file(kPrefix + "conda-meta/history", ""), dir(kPrefix + "lib/python3.11/site-packages"),
       file(kPrefix + "lib/python3.11/os.py", os_py), file(kPrefix + "lib/libz.so.1", libz, 0755),
       file(kPrefix + "conda-meta/python-3.11.7-hab00c5b_0_cpython.json",
            record("python", "3.11.7", "hab00c5b_0_cpython", {{"lib/python3.11/os.py", os_py}})),
       file(kPrefix + "conda-meta/libzlib-1.2.13-hd590300_5.json",
            record("libzlib", "1.2.13", "hd590300_5", {{"lib/libz.so.1", libz}}))},
      Compression::kGzip};
  ImageSpec good;
  good.layers = {base};
  write_oci_layout(tmp / "good", good);
  ImageSpec patched;
  patched.layers = {
      base, {{file(kPrefix + "lib/python3.11/os.py", "import evil\n")}, Compression::kNone}};
  write_oci_layout(tmp / "patched", patched);

  auto scan = envlock({"scan", "--image", tmp / "good", "--format", "json"});
  ASSERT_EQ(scan.status, 0) << scan.err;
  const json s = json::parse(scan.out);
  std::map<std::string, json> packages;
  for (const auto& p : s["packages"]) packages[p["name"].get<std::string>()] = p;
  ASSERT_EQ(packages.size(), 2u) << s["packages"].dump(1);
  EXPECT_EQ(packages["libzlib"]["format"], "conda");
  EXPECT_EQ(packages["libzlib"]["build"], "hd590300_5");
  EXPECT_EQ(packages["libzlib"]["location"], "/opt/conda");
  EXPECT_EQ(packages["python"]["version"], "3.11.7");
  bool owned = false;
  for (const auto& n : s["native"])
    owned |= n["path"] == "/opt/conda/lib/libz.so.1" && n["owner"] == "libzlib";
  EXPECT_TRUE(owned) << s["native"].dump(1);

  auto lock = envlock({"lock", "--image", tmp / "good", "-o", tmp / "good.lock"});
  ASSERT_EQ(lock.status, 0) << lock.err;
  for (bool fast : {false, true}) {
    std::vector<std::string> same{"check", "--lock", tmp / "good.lock", "--image", tmp / "good"};
    if (fast) same.push_back("--fast");
    auto ok = envlock(same);
    EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
  }
  auto bad = envlock(
      {"check", "--lock", tmp / "good.lock", "--image", tmp / "patched", "--format", "json"});
  EXPECT_EQ(bad.status, 1) << bad.out << bad.err;
  bool modified = false;
  const json report = json::parse(bad.out);
  for (const auto& f : report["findings"]) {
    modified |= f["category"] == "file-modified" && f["subject"] == "lib/python3.11/os.py" &&
                f["severity"] == "block";
  }
  EXPECT_TRUE(modified) << bad.out;
}

}  // namespace
}  // namespace envlock::scanner
