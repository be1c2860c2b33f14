#include "lockfile/lock_io.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "lockfile/digest.hpp"
#include "lockfile/json_codec.hpp"
#include "lockfile/sample_fingerprint.hpp"
#include "support/process.hpp"

namespace envlock::lockfile {
namespace {

namespace fs = std::filesystem;

class LockIo : public ::testing::Test {
 protected:
  void SetUp() override { ::umask(022); }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  envlock::testing::TempDir tmp_;
  std::string dir_ = tmp_.path();
};

TEST_F(LockIo, RenderWriteReadRoundTrip) {
  Fingerprint fp = testing::sample_fingerprint();
  fp.envlock.created.clear();
  fp.envlock.signature = "ed25519:stale";
  std::string text = render_lock(fp);
  ASSERT_TRUE(write_file_atomic(path("model.envlock.toml"), text));
  EXPECT_EQ(entries(), std::vector<std::string>{"model.envlock.toml"});
  struct stat st {};
  ASSERT_EQ(::stat(path("model.envlock.toml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  auto back = read_fingerprint_file(path("model.envlock.toml"));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->envlock.generator, "envlock " ENVLOCK_VERSION);
  EXPECT_TRUE(std::regex_match(back->envlock.created,
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << back->envlock.created;
  EXPECT_EQ(back->envlock.digest, compute_digest(fp));
  EXPECT_EQ(back->envlock.signature, "");
  EXPECT_EQ(canonical_form(*back), canonical_form(fp));
}

TEST_F(LockIo, RenderKeepsAGivenCreatedTime) {
  Fingerprint fp;
  fp.envlock.created = "2026-11-27T10:31:00Z";
  std::string text = render_lock(fp);
  EXPECT_EQ(text,
            "[envlock]\nschema = 1\ngenerator = \"envlock " ENVLOCK_VERSION
            "\"\ncreated = 2026-11-27T10:31:00Z\n"
            "digest = \"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\"\n");
}

// The one place the [envlock] stamp is set, for a lock and a JSON scan alike.
TEST_F(LockIo, StampSetsTheEnvlockTable) {
  Fingerprint fp = testing::sample_fingerprint();
  fp.envlock.schema = 0;
  fp.envlock.generator = "someone else";
  fp.envlock.created.clear();
  fp.envlock.signature = "ed25519:stale";
  stamp(fp);
  EXPECT_EQ(fp.envlock.schema, kSchemaVersion);
  EXPECT_EQ(fp.envlock.generator, "envlock " ENVLOCK_VERSION);
  EXPECT_TRUE(
      std::regex_match(fp.envlock.created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << fp.envlock.created;
  EXPECT_EQ(fp.envlock.signature, "");
  EXPECT_EQ(fp.envlock.digest, compute_digest(fp));
  EXPECT_EQ(fp.envlock.target, testing::sample_fingerprint().envlock.target);

  fp.envlock.created = "2026-11-27T10:31:00Z";
  stamp(fp);
  EXPECT_EQ(fp.envlock.created, "2026-11-27T10:31:00Z");
}

TEST_F(LockIo, DigestMismatchIsAnIntegrityError) {
  std::string text = render_lock(testing::sample_fingerprint());
  std::string recorded = compute_digest(testing::sample_fingerprint());
  Fingerprint edited = testing::sample_fingerprint();
  edited.packages[0].version = "1.26.5";  // numpy (model order)
  std::string tampered = text;
  auto at = tampered.find("version = \"1.26.4\"");
  ASSERT_NE(at, std::string::npos);
  tampered.replace(at, 18, "version = \"1.26.5\"");
  ASSERT_TRUE(write_file_atomic(path("lock.toml"), tampered));
  auto r = read_fingerprint_file(path("lock.toml"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(r.error().message, path("lock.toml") + ": digest mismatch: recorded " + recorded +
                                   ", computed " + compute_digest(edited));
}

TEST_F(LockIo, ReadsJsonScansWithAndWithoutDigest) {
  Fingerprint fp = testing::sample_fingerprint();
  auto scan = parse_fingerprint_text("\xef\xbb\xbf  \n" + to_json(fp).dump(2), "scan.json");
  ASSERT_TRUE(scan) << scan.error().message;
  EXPECT_EQ(scan->envlock.digest, "");

  fp.envlock.digest = compute_digest(fp);
  auto checked = parse_fingerprint_text(to_json(fp).dump(), "scan.json");
  ASSERT_TRUE(checked) << checked.error().message;

  nlohmann::json doc = to_json(fp);
  doc["os"]["glibc"] = "2.99";
  auto bad = parse_fingerprint_text(doc.dump(), "scan.json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kIntegrity);
}

TEST_F(LockIo, DigestCoversUnknownKeysOfNewerVersions) {
  std::string text = render_lock(testing::sample_fingerprint());
  text += "\n[future]\nthing = 1\n";
  auto r = parse_fingerprint_text(text, "lock.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
}

TEST_F(LockIo, RefusesDevicesFifosDirectoriesAndHugeFiles) {
  auto r = read_fingerprint_file("/dev/zero");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().message, "/dev/zero: is a character device, not a lock or scan file");

  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  r = read_fingerprint_file(path("fifo"));  // would block forever if opened for reading
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, path("fifo") + ": is a FIFO, not a lock or scan file");

  r = read_fingerprint_file(dir_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, dir_ + ": is a directory, not a lock or scan file");

  {
    std::ofstream big(path("big.toml"));
  }
  ASSERT_EQ(::truncate(path("big.toml").c_str(), (64 << 20) + 1), 0);  // sparse
  r = read_fingerprint_file(path("big.toml"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            path("big.toml") + ": too large (67108865 bytes; the limit is 64 MiB)");

  r = read_fingerprint_file(path("absent.toml"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, path("absent.toml") + ": cannot read: No such file or directory");
}

TEST_F(LockIo, ErrorsFromTheCodecsNameTheFile) {
  ASSERT_TRUE(write_file_atomic(path("lock.toml"), "[envlock]\nschema = 7\n"));
  auto r = read_fingerprint_file(path("lock.toml"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            path("lock.toml") + ":2: envlock.schema: unsupported schema version 7 (this envlock reads 1)");
  r = parse_fingerprint_text("", "empty.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "empty.toml: missing [envlock] table; this is not an envlock lock or scan");
}

TEST_F(LockIo, AtomicWriteReplacesAndHonoursMode) {
  ASSERT_TRUE(write_file_atomic(path("a"), "old"));
  ASSERT_TRUE(write_file_atomic(path("a"), "new content"));
  EXPECT_EQ(slurp(path("a")), "new content");
  ASSERT_TRUE(write_file_atomic(path("key"), "secret\n", 0600));
  struct stat st {};
  ASSERT_EQ(::stat(path("key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(entries(), (std::vector<std::string>{"a", "key"}));
}

TEST_F(LockIo, AtomicWriteFailureLeavesNoTemporaryFile) {
  std::string missing = path("no/such/dir/lock.toml");
  auto r = write_file_atomic(missing, "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, missing + ": cannot create a temporary file in " + path("no/such/dir") +
                                   ": No such file or directory");

  // The rename fails (the target is a non-empty directory): the temp must go.
  fs::create_directory(path("target"));
  std::ofstream(path("target/inside")) << "x";
  r = write_file_atomic(path("target"), "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, path("target") + ": cannot replace: Is a directory");
  EXPECT_EQ(entries(), std::vector<std::string>{"target"});
}

}  // namespace
}  // namespace envlock::lockfile
