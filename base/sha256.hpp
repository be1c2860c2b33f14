#pragma once
// SHA-256 through Crypto++ (which uses SHA-NI where the CPU has it).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace envlock {

/// Incremental SHA-256. Not copyable; one per thread.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  /// Lower-case hex of the digest; the object is reset afterwards.
  std::string hex_final();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Hex decoding helper shared by digest and signature code; empty on bad input.
std::string hex_decode(std::string_view hex);
std::string hex_encode(std::string_view bytes);

}  // namespace envlock
