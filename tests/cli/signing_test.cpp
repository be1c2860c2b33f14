// Signed locks end to end through the real binary: keygen, lock --sign,
// verify/check --pubkey failing closed (exit 3) for every way a signature can
// be wrong.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "lockfile/signature.hpp"
#include "support/process.hpp"
#include "support/paths.hpp"

namespace envlock {
namespace {

using testing::envlock;
using testing::TempDir;

const std::string kBasic = std::string(ENVLOCK_FIXTURES) + "/sites/basic";

class SignedLock : public ::testing::Test {
 protected:
  void SetUp() override {
    auto keygen = envlock({"keygen", "-o", work_ / "ci"});
    ASSERT_EQ(keygen.status, 0) << keygen.err;
    auto other = envlock({"keygen", "-o", work_ / "other"});
    ASSERT_EQ(other.status, 0) << other.err;
    auto lock = envlock({"lock", "--site", kBasic, "--fast", "--sign", work_ / "ci.key", "-o", lock_});
    ASSERT_EQ(lock.status, 0) << lock.err;
    text_ = testing::read_file(lock_);
  }

  // Writes `text` as a lock and runs `verify --pubkey` on it.
  testing::Run verify_text(const std::string& text, const std::string& pubkey) {
    testing::write_file(work_ / "edited.toml", text);
    return envlock({"verify", work_ / "edited.toml", "--pubkey", pubkey});
  }

  TempDir work_;
  std::string lock_ = work_ / "model.envlock.toml";
  std::string text_;
};

TEST_F(SignedLock, KeygenWritesAPrivateKeyOnlyItsOwnerCanRead) {
  struct stat st {};
  ASSERT_EQ(::stat((work_ / "ci.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((work_ / "ci.pub").c_str(), &st), 0);
  EXPECT_NE(testing::read_file(work_ / "ci.pub"), testing::read_file(work_ / "other.pub"));
}

TEST_F(SignedLock, TheSignerKeyVerifiesAndTheLockStaysOneFile) {
  EXPECT_NE(text_.find("\nsignature = \"ed25519:"), std::string::npos) << text_;
  auto ok = envlock({"verify", lock_, "--pubkey", work_ / "ci.pub"});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("signature valid"), std::string::npos) << ok.out;
  auto check = envlock({"check", "--lock", lock_, "--site", kBasic, "--fast", "--pubkey", work_ / "ci.pub"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
}

TEST_F(SignedLock, AnotherKeyFailsClosed) {
  auto wrong = envlock({"verify", lock_, "--pubkey", work_ / "other.pub"});
  EXPECT_EQ(wrong.status, 3) << wrong.out;
  auto check = envlock({"check", "--lock", lock_, "--site", kBasic, "--fast", "--pubkey", work_ / "other.pub"});
  EXPECT_EQ(check.status, 3) << check.out;
}

TEST_F(SignedLock, AMissingSignatureFailsClosed) {
  auto unsigned_lock = envlock({"lock", "--site", kBasic, "--fast", "-o", work_ / "plain.toml"});
  ASSERT_EQ(unsigned_lock.status, 0) << unsigned_lock.err;
  auto plain = envlock({"verify", work_ / "plain.toml", "--pubkey", work_ / "ci.pub"});
  EXPECT_EQ(plain.status, 3);
  EXPECT_NE(plain.err.find(work_ / "plain.toml"), std::string::npos) << plain.err;
  // Without --pubkey an unsigned lock is fine: signing is opt-in.
  EXPECT_EQ(envlock({"verify", work_ / "plain.toml"}).status, 0);
}

TEST_F(SignedLock, OneEditedByteAnywhereFailsClosed) {
  // The first byte, one in [envlock], one in the signature itself, one in the
  // packages and the very last byte: a digest or signature check trips on each.
  std::size_t sig = text_.find("signature = \"ed25519:");
  ASSERT_NE(sig, std::string::npos);
  std::size_t pkg = text_.find("[[packages]]");
  ASSERT_NE(pkg, std::string::npos);
  for (std::size_t at : {std::size_t{0}, std::size_t{3}, sig + 25, pkg + 2, text_.size() - 2}) {
    std::string edited = text_;
    edited[at] = edited[at] == 'a' ? 'b' : 'a';
    // The signature is checked before the TOML is parsed: even an edit that
    // breaks the syntax is a failed signature.
    auto r = verify_text(edited, work_ / "ci.pub");
    EXPECT_EQ(r.status, 3) << "byte " << at << ": " << r.err;
  }
  // An appended newline is one byte too.
  EXPECT_EQ(verify_text(text_ + "\n", work_ / "ci.pub").status, 3);
}

TEST_F(SignedLock, TheIdentityKeyDoesNotVerifyAForgedLock) {
  // A forged signature R = identity, S = 0 satisfies the verification equation
  // for the identity key and any text: an attacker who can swap the .pub file
  // (or a careless "empty" key) would make every edited lock pass.
  // The forged lock: another environment's lock (a valid digest), signed by
  // nobody, with the forgery in its signature line.
  const std::string second = std::string(ENVLOCK_FIXTURES) + "/sites/second";
  auto other = envlock({"lock", "--site", second, "--fast", "--sign", work_ / "other.key", "-o",
                        work_ / "second.toml"});
  ASSERT_EQ(other.status, 0) << other.err;
  std::string forged = testing::read_file(work_ / "second.toml");
  auto sig = forged.find("signature = \"ed25519:") + 21;
  forged.replace(sig, 128, "01" + std::string(126, '0'));
  testing::write_file(work_ / "identity.pub",
                      "envlock-ed25519-public:01" + std::string(62, '0') + "\n");
  auto r = verify_text(forged, work_ / "identity.pub");
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(work_ / "identity.pub"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("small-order"), std::string::npos) << r.err;
  auto check = envlock({"check", "--lock", work_ / "edited.toml", "--site", kBasic, "--fast",
                        "--pubkey", work_ / "identity.pub"});
  EXPECT_EQ(check.status, 2) << check.out << check.err;
  // The same key refused for a genuine lock too: it is never usable.
  EXPECT_EQ(envlock({"verify", lock_, "--pubkey", work_ / "identity.pub"}).status, 2);
}

TEST_F(SignedLock, KeygenNeverReplacesAKeyWithoutForce) {
  const std::string key = testing::read_file(work_ / "ci.key");
  const std::string pub = testing::read_file(work_ / "ci.pub");
  auto again = envlock({"keygen", "-o", work_ / "ci"});
  EXPECT_EQ(again.status, 2) << again.out << again.err;
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(testing::read_file(work_ / "ci.key"), key);
  EXPECT_EQ(testing::read_file(work_ / "ci.pub"), pub);
  // The lock signed by the old key still verifies: nothing was lost.
  EXPECT_EQ(envlock({"verify", lock_, "--pubkey", work_ / "ci.pub"}).status, 0);

  // Only one half present: refused, and the other half is not written.
  testing::write_file(work_ / "half.pub", "mine\n");
  EXPECT_EQ(envlock({"keygen", "-o", work_ / "half"}).status, 2);
  struct stat st {};
  EXPECT_NE(::stat((work_ / "half.key").c_str(), &st), 0);
  EXPECT_EQ(testing::read_file(work_ / "half.pub"), "mine\n");

  auto forced = envlock({"keygen", "-o", work_ / "ci", "--force"});
  EXPECT_EQ(forced.status, 0) << forced.err;
  EXPECT_NE(testing::read_file(work_ / "ci.key"), key);
  EXPECT_NE(testing::read_file(work_ / "ci.pub"), pub);
  ASSERT_EQ(::stat((work_ / "ci.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SignedLock, SigningRefusesAKeyOthersCanReadOrWrite) {
  for (mode_t mode : {0640, 0604, 0620, 0602, 0660}) {
    ASSERT_EQ(::chmod((work_ / "ci.key").c_str(), mode), 0);
    auto r = envlock({"lock", "--site", kBasic, "--fast", "--sign", work_ / "ci.key", "-o",
                      work_ / "open.toml"});
    EXPECT_EQ(r.status, 2) << std::oct << mode << ": " << r.err;
    EXPECT_NE(r.err.find("too open"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(work_ / "ci.key"), std::string::npos) << r.err;
    struct stat st {};
    EXPECT_NE(::stat((work_ / "open.toml").c_str(), &st), 0) << "no lock may be written";
  }
  ASSERT_EQ(::chmod((work_ / "ci.key").c_str(), 0400), 0);
  EXPECT_EQ(envlock({"lock", "--site", kBasic, "--fast", "--sign", work_ / "ci.key", "-o",
                     work_ / "ok.toml"})
                .status,
            0);
}

TEST_F(SignedLock, ASignedLockVerifiesUpToTheSizeOfAnyLock) {
  // 20 MiB of comment: over the old 16 MiB limit for signed locks, under the
  // 64 MiB every lock may have. Signed after padding, so the signature is good.
  auto unsigned_lock = envlock({"lock", "--site", kBasic, "--fast", "-o", work_ / "plain.toml"});
  ASSERT_EQ(unsigned_lock.status, 0) << unsigned_lock.err;
  std::string padded = testing::read_file(work_ / "plain.toml") + "# " +
                       std::string(20u << 20, 'x') + "\n";
  auto signed_text = lockfile::sign_lock_text(padded, testing::read_file(work_ / "ci.key"), "ci.key");
  ASSERT_TRUE(signed_text) << signed_text.error().message;
  testing::write_file(work_ / "big.toml", *signed_text);
  auto ok = envlock({"verify", work_ / "big.toml", "--pubkey", work_ / "ci.pub"});
  EXPECT_EQ(ok.status, 0) << ok.err;
  auto check = envlock({"check", "--lock", work_ / "big.toml", "--site", kBasic, "--fast",
                        "--pubkey", work_ / "ci.pub"});
  EXPECT_EQ(check.status, 0) << check.err;
  // Beyond 64 MiB, signed or not, is too large (exit 2), as for any lock.
  std::string huge = *signed_text + "# " + std::string(45u << 20, 'x') + "\n";
  testing::write_file(work_ / "huge.toml", huge);
  auto big = envlock({"verify", work_ / "huge.toml", "--pubkey", work_ / "ci.pub"});
  EXPECT_EQ(big.status, 2) << big.err;
  EXPECT_NE(big.err.find("too large"), std::string::npos) << big.err;
}

TEST_F(SignedLock, ALockWithoutItsDigestFailsCheckAndVerify) {
  auto unsigned_lock = envlock({"lock", "--site", kBasic, "--fast", "-o", work_ / "plain.toml"});
  ASSERT_EQ(unsigned_lock.status, 0) << unsigned_lock.err;
  std::string text = testing::read_file(work_ / "plain.toml");
  auto digest = text.find("digest = \"sha256:");
  ASSERT_NE(digest, std::string::npos);
  std::string bare = text.substr(0, digest) + text.substr(text.find('\n', digest) + 1);
  testing::write_file(work_ / "bare.toml", bare);
  // Anything could be written into a lock without a digest: fail closed.
  auto check = envlock({"check", "--lock", work_ / "bare.toml", "--site", kBasic, "--fast"});
  EXPECT_EQ(check.status, 3) << check.out << check.err;
  EXPECT_NE(check.err.find("no digest"), std::string::npos) << check.err;
  auto json = envlock({"check", "--lock", work_ / "bare.toml", "--site", kBasic, "--fast",
                       "--format", "json"});
  EXPECT_EQ(json.status, 3) << json.out << json.err;
  EXPECT_EQ(envlock({"verify", work_ / "bare.toml"}).status, 3);
  // diff still compares documents without a digest (scan outputs).
  auto diff = envlock({"diff", work_ / "bare.toml", work_ / "plain.toml"});
  EXPECT_EQ(diff.status, 0) << diff.out << diff.err;
}

}  // namespace
}  // namespace envlock
