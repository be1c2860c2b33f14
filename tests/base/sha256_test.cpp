#include "base/sha256.hpp"

#include <gtest/gtest.h>

namespace envlock {
namespace {

TEST(Sha256, KnownDigestsWholeAndIncremental) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 hash;
  hash.update("a");
  hash.update("bc");
  EXPECT_EQ(hash.hex_final(), sha256_hex("abc"));
  // hex_final resets the object.
  EXPECT_EQ(hash.hex_final(), sha256_hex(""));
}

TEST(Sha256, HexRoundTripsAndRejectsBadInput) {
  EXPECT_EQ(hex_encode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(hex_decode("00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(hex_decode("0"), "");
  EXPECT_EQ(hex_decode("zz"), "");
}

}  // namespace
}  // namespace envlock
