#include "lockfile/signature.hpp"

#include <gtest/gtest.h>

#include "lockfile/lock_io.hpp"
#include "lockfile/sample_fingerprint.hpp"

namespace envlock::lockfile {
namespace {

class Signature : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = generate_keypair();
    ASSERT_TRUE(pair) << pair.error().message;
    keys_ = *pair;
    Fingerprint fp = testing::sample_fingerprint();
    fp.envlock.created = "2026-11-27T10:31:00Z";
    lock_ = render_lock(fp);
    auto signed_text = sign_lock_text(lock_, keys_.private_pem_or_text, "k.key");
    ASSERT_TRUE(signed_text) << signed_text.error().message;
    signed_ = *signed_text;
  }
  KeyPair keys_;
  std::string lock_, signed_;
};

TEST_F(Signature, KeyTextFormat) {
  EXPECT_EQ(keys_.private_pem_or_text.rfind("envlock-ed25519-private:", 0), 0u);
  EXPECT_EQ(keys_.private_pem_or_text.size(), 24 + 64 + 1u);
  EXPECT_EQ(keys_.public_text.rfind("envlock-ed25519-public:", 0), 0u);
  EXPECT_EQ(keys_.public_text.size(), 23 + 64 + 1u);
  EXPECT_TRUE(check_public_key(keys_.public_text, "k.pub"));
  EXPECT_NE(generate_keypair()->public_text, keys_.public_text);
}

TEST_F(Signature, InsertsOneLineAtTheEndOfEnvlock) {
  auto at = signed_.find("signature = \"ed25519:");
  ASSERT_NE(at, std::string::npos);
  std::string line = signed_.substr(at, signed_.find('\n', at) + 1 - at);
  EXPECT_EQ(line.size(), 21 + 128 + 2u);
  // Removing that line gives back the unsigned lock byte for byte.
  EXPECT_EQ(signed_.substr(0, at) + signed_.substr(at + line.size()), lock_);
  // It sits after the last key of [envlock], before the blank line and [python].
  EXPECT_EQ(signed_.substr(at + line.size(), 10), "\n[python]\n");
  EXPECT_TRUE(verify_lock_signature(signed_, keys_.public_text, "lock.toml"));
  // A signed lock is still a valid lock whose digest checks out.
  auto fp = parse_fingerprint_text(signed_, "lock.toml");
  ASSERT_TRUE(fp) << fp.error().message;
  EXPECT_EQ(fp->envlock.signature, line.substr(13, 8 + 128));
}

TEST_F(Signature, AnyOneByteEditFails) {
  for (std::size_t i = 0; i < signed_.size(); ++i) {
    std::string edited = signed_;
    edited[i] = static_cast<char>(edited[i] ^ 0x01);
    auto r = verify_lock_signature(edited, keys_.public_text, "lock.toml");
    ASSERT_FALSE(r) << "byte " << i << " edited, still verifies";
    ASSERT_EQ(r.error().kind, ErrorKind::kIntegrity) << i;
  }
  std::string appended = signed_ + "\n";
  EXPECT_FALSE(verify_lock_signature(appended, keys_.public_text, "lock.toml"));
  std::string comment = "# reviewed\n" + signed_;
  EXPECT_FALSE(verify_lock_signature(comment, keys_.public_text, "lock.toml"));
}

TEST_F(Signature, ExactMessages) {
  std::string edited = signed_;
  edited.replace(edited.find("1.26.4"), 6, "1.26.5");
  auto r = verify_lock_signature(edited, keys_.public_text, "lock.toml");
  EXPECT_EQ(r.error().message,
            "lock.toml: signature does not match: the lock was edited after signing, or signed "
            "with another key");

  auto other = generate_keypair();
  r = verify_lock_signature(signed_, other->public_text, "lock.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(r.error().message,
            "lock.toml: signature does not match: the lock was edited after signing, or signed "
            "with another key");

  r = verify_lock_signature(lock_, keys_.public_text, "lock.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kIntegrity);
  EXPECT_EQ(r.error().message, "lock.toml: not signed (no signature line in [envlock])");

  // Moving the signature line up keeps every other byte but is still an edit.
  auto at = signed_.find("signature = ");
  std::string line = signed_.substr(at, signed_.find('\n', at) + 1 - at);
  std::string moved = signed_.substr(0, at) + signed_.substr(at + line.size());
  moved.insert(moved.find("schema = 1\n"), line);
  r = verify_lock_signature(moved, keys_.public_text, "lock.toml");
  EXPECT_EQ(r.error().message,
            "lock.toml: signature line was moved; the lock was edited after signing");

  std::string twice = signed_;
  twice.insert(twice.find("schema = 1\n"), line);
  r = verify_lock_signature(twice, keys_.public_text, "lock.toml");
  EXPECT_EQ(r.error().message, "lock.toml: more than one signature line in [envlock]");

  std::string malformed = signed_;
  malformed.replace(malformed.find("ed25519:"), 8, "rsa:");
  r = verify_lock_signature(malformed, keys_.public_text, "lock.toml");
  EXPECT_EQ(r.error().message,
            "lock.toml: malformed signature line (expected signature = \"ed25519:\" and 128 hex "
            "digits)");
}

TEST_F(Signature, ResigningReplacesTheSignature) {
  auto other = generate_keypair();
  auto again = sign_lock_text(signed_, other->private_pem_or_text, "other.key");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(verify_lock_signature(*again, other->public_text, "lock.toml"));
  EXPECT_FALSE(verify_lock_signature(*again, keys_.public_text, "lock.toml"));
  EXPECT_EQ(again->size(), signed_.size());
}

TEST_F(Signature, BadKeysAndLocks) {
  auto r = sign_lock_text(lock_, keys_.public_text, "k.pub");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(r.error().message, "k.pub: is a public key; signing needs the private key (PREFIX.key)");
  r = sign_lock_text(lock_, "hello", "k.key");
  EXPECT_EQ(r.error().message,
            "k.key: not an envlock private key (expected one line \"envlock-ed25519-private:\" and "
            "64 hex digits)");
  r = sign_lock_text("[python]\nversion = \"3\"\n", keys_.private_pem_or_text, "k.key");
  EXPECT_EQ(r.error().message, "cannot sign: the lock has no [envlock] table");

  auto v = check_public_key(keys_.private_pem_or_text, "k.key");
  EXPECT_EQ(v.error().message, "k.key: is a private key; verifying needs the public key (PREFIX.pub)");
  v = check_public_key("envlock-ed25519-public:00", "k.pub");
  EXPECT_EQ(v.error().message,
            "k.pub: not an envlock public key (expected one line \"envlock-ed25519-public:\" and 64 "
            "hex digits)");
  v = verify_lock_signature(signed_, "junk", "lock.toml");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind, ErrorKind::kInvalid);
}

TEST_F(Signature, SignsTextWithoutTrailingNewline) {
  auto r = sign_lock_text("[envlock]\nschema = 1", keys_.private_pem_or_text, "k.key");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rfind("[envlock]\nschema = 1\nsignature = \"ed25519:", 0), 0u);
  EXPECT_TRUE(verify_lock_signature(*r, keys_.public_text, "lock.toml"));
}

// The eight points of order 1, 2, 4 and 8 (both signs where x != 0) and
// non-canonical spellings: with any of them as the key, a "signature" R = [S]B
// verifies for every text (the identity key verified a forged lock).
const char* const kUnsoundKeys[] = {
    "0100000000000000000000000000000000000000000000000000000000000000",  // identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2 (y = -1)
    "0000000000000000000000000000000000000000000000000000000000000000",  // order 4 (y = 0)
    "0000000000000000000000000000000000000000000000000000000000000080",  // order 4, x negated
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  // order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  // order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  // order 8
    "0100000000000000000000000000000000000000000000000000000000000080",  // identity, x = -0
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p + 1 (identity)
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p (order 4)
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y >= p
    "0200000000000000000000000000000000000000000000000000000000000000",  // y = 2: not on the curve
};

TEST_F(Signature, SmallOrderAndNonCanonicalKeysAreRefused) {
  for (const char* hex : kUnsoundKeys) {
    std::string key = std::string("envlock-ed25519-public:") + hex + "\n";
    auto v = check_public_key(key, "bad.pub");
    ASSERT_FALSE(v) << hex;
    EXPECT_EQ(v.error().kind, ErrorKind::kInvalid) << hex;
    EXPECT_EQ(v.error().message.rfind("bad.pub: not a valid Ed25519 public key: ", 0), 0u)
        << v.error().message;
    EXPECT_FALSE(verify_lock_signature(signed_, key, "lock.toml")) << hex;
  }
  // Fresh keys are always sound.
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(check_public_key(generate_keypair()->public_text, "k"));
}

TEST_F(Signature, TheIdentityKeyNeverVerifiesAForgery) {
  // R = identity, S = 0: [0]B = R + [k]A holds for A = identity and any text.
  std::string forged = signed_;
  auto at = forged.find("signature = \"ed25519:") + 21;
  forged.replace(at, 128, "01" + std::string(126, '0'));
  std::string identity = std::string("envlock-ed25519-public:01") + std::string(62, '0') + "\n";
  auto v = verify_lock_signature(forged, identity, "lock.toml");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("small-order"), std::string::npos) << v.error().message;
}

}  // namespace
}  // namespace envlock::lockfile
