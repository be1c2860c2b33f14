#include "lockfile/digest.hpp"

#include <functional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "lockfile/json_codec.hpp"
#include "lockfile/lock_io.hpp"
#include "lockfile/sample_fingerprint.hpp"
#include "lockfile/toml_codec.hpp"

namespace envlock::lockfile {
namespace {

TEST(Digest, CanonicalFormIsSortedCompactJsonWithoutEnvlock) {
  Fingerprint fp;
  fp.envlock.generator = "envlock 9";
  fp.env = {{"B", "2"}, {"A", "\"1\"\n"}};
  fp.os.emplace();
  fp.os->arch = "x86_64";
  EXPECT_EQ(canonical_form(fp),
            R"({"env":{"A":"\"1\"\n","B":"2"},"os":{"arch":"x86_64","glibc":"","id":"",)"
            R"("kernel":"","version-id":""}})");
  // Pinned (computed with sha256sum over the line above): a digest must not
  // change between envlock versions for the same data.
  EXPECT_EQ(compute_digest(fp),
            "sha256:1a40d04ea9beb64fb8b949565125ae8e792aeb39fee57b0cd2b01ca5a8b06c1c");
  EXPECT_EQ(compute_digest(Fingerprint{}),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST(Digest, IsStableAndIgnoresEnvlockAndInputOrder) {
  Fingerprint fp = testing::sample_fingerprint();
  std::string digest = compute_digest(fp);
  EXPECT_EQ(compute_digest(fp), digest);
  Fingerprint other = fp;
  other.envlock = Meta{};
  other.envlock.created = "2030-01-01T00:00:00Z";
  other.envlock.signature = "ed25519:00";
  std::swap(other.packages[0], other.packages[1]);
  std::swap(other.native[0], other.native[1]);
  std::swap(other.hardware->cpu.flags[0], other.hardware->cpu.flags[2]);
  EXPECT_EQ(compute_digest(other), digest);
}

TEST(Digest, ChangesWhenAnyFieldChanges) {
  using Edit = std::function<void(Fingerprint&)>;
  const std::vector<std::pair<const char*, Edit>> edits = {
      {"python.implementation", [](Fingerprint& f) { f.python->implementation = "pypy"; }},
      {"python.version", [](Fingerprint& f) { f.python->version = "3.11.8"; }},
      {"python.abi", [](Fingerprint& f) { f.python->abi = "cp312"; }},
      {"python.platform", [](Fingerprint& f) { f.python->platform = "linux_aarch64"; }},
      {"python.prefix", [](Fingerprint& f) { f.python->prefix = "/opt"; }},
      {"python.executable", [](Fingerprint& f) { f.python->executable = "/opt/python"; }},
      {"python.site-dirs", [](Fingerprint& f) { f.python->site_dirs.pop_back(); }},
      {"python.pythonpath", [](Fingerprint& f) { f.python->pythonpath.push_back("/opt/pp"); }},
      {"python absent", [](Fingerprint& f) { f.python.reset(); }},
      {"package.name", [](Fingerprint& f) { f.packages[1].name = "numpy2"; }},
      {"package.raw-name", [](Fingerprint& f) { f.packages[1].raw_name = "numpy"; }},
      {"package.version", [](Fingerprint& f) { f.packages[1].version = "1.26.5"; }},
      {"package.installer", [](Fingerprint& f) { f.packages[1].installer = "uv"; }},
      {"package.location", [](Fingerprint& f) { f.packages[1].location = "/x"; }},
      {"package.metadata", [](Fingerprint& f) { f.packages[1].metadata = "sha256:0"; }},
      {"package.requires", [](Fingerprint& f) { f.packages[1].requires_dist.push_back("x"); }},
      {"package.requires-python", [](Fingerprint& f) { f.packages[1].requires_python = ""; }},
      {"package.files.count", [](Fingerprint& f) { f.packages[1].files.count++; }},
      {"package.files.digest", [](Fingerprint& f) { f.packages[1].files.digest = "sha256:1"; }},
      {"package.format", [](Fingerprint& f) { f.packages[1].format = "egg"; }},
      {"package.requested", [](Fingerprint& f) { f.packages[1].requested = false; }},
      {"package.wheel-tags", [](Fingerprint& f) { f.packages[1].wheel_tags.clear(); }},
      {"package.direct-url", [](Fingerprint& f) { f.packages[1].direct_url = "file:///x"; }},
      {"package.direct-kind", [](Fingerprint& f) { f.packages[1].direct_kind = "vcs"; }},
      {"package.direct-hash", [](Fingerprint& f) { f.packages[1].direct_hash = "abc"; }},
      {"package.shadowed", [](Fingerprint& f) { f.packages[1].shadowed = false; }},
      {"package.channel", [](Fingerprint& f) { f.packages[0].channel = "defaults"; }},
      {"package.build", [](Fingerprint& f) { f.packages[0].build = "py_1"; }},
      {"package.conda-name", [](Fingerprint& f) { f.packages[0].conda_name = "certifi-py"; }},
      {"package removed", [](Fingerprint& f) { f.packages.pop_back(); }},
      {"native.path", [](Fingerprint& f) { f.native[1].path += "x"; }},
      {"native.owner", [](Fingerprint& f) { f.native[1].owner = "scipy"; }},
      {"native.soname", [](Fingerprint& f) { f.native[1].soname = "x.so"; }},
      {"native.sha256", [](Fingerprint& f) { f.native[1].sha256 = "0"; }},
      {"native.needed", [](Fingerprint& f) { f.native[1].needed.pop_back(); }},
      {"native.resolved", [](Fingerprint& f) { f.native[1].resolved["libc.so.6"] = "/x"; }},
      {"native.glibc-max", [](Fingerprint& f) { f.native[1].glibc_max = "2.34"; }},
      {"native.version-needs", [](Fingerprint& f) { f.native[1].version_needs.clear(); }},
      {"os.arch", [](Fingerprint& f) { f.os->arch = "aarch64"; }},
      {"os.kernel", [](Fingerprint& f) { f.os->kernel = "6.2"; }},
      {"os.id", [](Fingerprint& f) { f.os->id = "ubuntu"; }},
      {"os.version-id", [](Fingerprint& f) { f.os->version_id = "13"; }},
      {"os.glibc", [](Fingerprint& f) { f.os->glibc = "2.37"; }},
      {"os.libstdcxx", [](Fingerprint& f) { f.os->libstdcxx = "13"; }},
      {"os.glibcxx-max", [](Fingerprint& f) { f.os->glibcxx_max = "GLIBCXX_3.4.31"; }},
      {"cpu.vendor", [](Fingerprint& f) { f.hardware->cpu.vendor = "GenuineIntel"; }},
      {"cpu.model", [](Fingerprint& f) { f.hardware->cpu.model = "x"; }},
      {"cpu.flags", [](Fingerprint& f) { f.hardware->cpu.flags.pop_back(); }},
      {"cpu.cores", [](Fingerprint& f) { f.hardware->cpu.cores = 3; }},
      {"cpu.sockets", [](Fingerprint& f) { f.hardware->cpu.sockets = 2; }},
      {"cpu.family", [](Fingerprint& f) { f.hardware->cpu.family = "6"; }},
      {"cpu.model-id", [](Fingerprint& f) { f.hardware->cpu.model_id = "1"; }},
      {"cpu.stepping", [](Fingerprint& f) { f.hardware->cpu.stepping = "2"; }},
      {"cpu.memory-bytes", [](Fingerprint& f) { f.hardware->cpu.memory_bytes = 1; }},
      {"gpu.vendor", [](Fingerprint& f) { f.hardware->gpus[0].vendor = "amd"; }},
      {"gpu.model", [](Fingerprint& f) { f.hardware->gpus[0].model = "x"; }},
      {"gpu.driver", [](Fingerprint& f) { f.hardware->gpus[0].driver = "1"; }},
      {"gpu.compute-capability", [](Fingerprint& f) { f.hardware->gpus[0].compute_capability = "8.0"; }},
      {"gpu.memory-bytes", [](Fingerprint& f) { f.hardware->gpus[0].memory_bytes = 1; }},
      {"gpu.pci-id", [](Fingerprint& f) { f.hardware->gpus[0].pci_id = "x"; }},
      {"gpu.bus", [](Fingerprint& f) { f.hardware->gpus[0].bus = "x"; }},
      {"gpus empty", [](Fingerprint& f) { f.hardware->gpus.clear(); }},
      {"env value", [](Fingerprint& f) { f.env["OMP_NUM_THREADS"] = "4"; }},
      {"env key", [](Fingerprint& f) { f.env["NEW"] = ""; }},
      {"cuda", [](Fingerprint& f) { f.cuda["cudart"] = "12.2"; }},
      {"image.reference", [](Fingerprint& f) { f.image->reference = "x"; }},
      {"image.manifest-digest", [](Fingerprint& f) { f.image->manifest_digest = "x"; }},
      {"image.config-digest", [](Fingerprint& f) { f.image->config_digest = "x"; }},
      {"image.tags", [](Fingerprint& f) { f.image->tags.clear(); }},
      {"image.platform", [](Fingerprint& f) { f.image->platform = "x"; }},
      {"image.layers", [](Fingerprint& f) { f.image->layers.pop_back(); }},
      {"integrity.path", [](Fingerprint& f) { f.integrity[0].path = "x"; }},
      {"integrity.package", [](Fingerprint& f) { f.integrity[0].package = ""; }},
      {"integrity.location", [](Fingerprint& f) { f.integrity[0].location = "x"; }},
      {"integrity.problem", [](Fingerprint& f) { f.integrity[0].problem = "deleted"; }},
      {"integrity.expected", [](Fingerprint& f) { f.integrity[0].expected = ""; }},
      {"integrity.actual", [](Fingerprint& f) { f.integrity[0].actual = ""; }},
      {"diagnostic.subject", [](Fingerprint& f) { f.diagnostics[0].subject = "x"; }},
      {"diagnostic.message", [](Fingerprint& f) { f.diagnostics[0].message = "x"; }},
  };
  const Fingerprint base = testing::sample_fingerprint();
  const std::string digest = compute_digest(base);
  for (const auto& [what, edit] : edits) {
    Fingerprint fp = base;
    canonicalize(fp);  // edits address canonical positions
    edit(fp);
    EXPECT_NE(compute_digest(fp), digest) << what;
  }
}

TEST(Digest, OfAReadDocumentEqualsTheDigestOfTheModel) {
  Fingerprint fp = testing::sample_fingerprint();
  std::string digest = compute_digest(fp);
  EXPECT_EQ(digest_of_document(to_json(fp)), digest);
  auto doc = parse_toml_document(to_toml(fp), "lock.toml", nullptr);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(digest_of_document(*doc), digest);
  auto back = parse_fingerprint_text(to_toml(fp), "lock.toml");
  ASSERT_TRUE(back);
  EXPECT_EQ(compute_digest(*back), digest);
}

TEST(Digest, CoversKeysThisVersionDoesNotKnow) {
  Fingerprint fp = testing::sample_fingerprint();
  std::string text = to_toml(fp);
  auto plain = parse_toml_document(text, "lock.toml", nullptr);
  std::string marker = "shadowed = true\n";
  std::string extended = text;
  extended.insert(extended.find(marker) + marker.size(), "from-the-future = 1\n");
  auto newer = parse_toml_document(extended, "lock.toml", nullptr);
  ASSERT_TRUE(plain && newer);
  EXPECT_NE(digest_of_document(*newer), digest_of_document(*plain));
  EXPECT_TRUE(decode_document(*newer, "lock.toml", nullptr));
}

}  // namespace
}  // namespace envlock::lockfile
