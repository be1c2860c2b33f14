// Signed locks end to end through the real binary: keygen, lock --sign,
// verify/check --pubkey failing closed (exit 3) for every way a signature can
// be wrong.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "support/process.hpp"

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

}  // namespace
}  // namespace envlock
