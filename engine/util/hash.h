#pragma once
// Hashes: SHA-256 (OpenSSL) where a value must match what others publish, e.g. the
// Hugging Face LFS object ids; XXH3 (xxhash) where we only check our own files fast.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace vole {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::span<const uint8_t> data);
  void update(const std::string& s) { update({reinterpret_cast<const uint8_t*>(s.data()), s.size()}); }
  std::string hex_digest();  // finishes the hash; lower-case hex, 64 chars

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::span<const uint8_t> data);
// Bytes as lower-case hex, two digits each (how digests are written and compared).
std::string to_hex(std::span<const uint8_t> bytes);
uint64_t xxh3_64(std::span<const uint8_t> data, uint64_t seed = 0);
inline uint64_t xxh3_64(std::string_view text, uint64_t seed = 0) {
  return xxh3_64({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, seed);
}

// XXH3-64 over data fed in pieces (a file streamed in blocks): same value as xxh3_64 of the
// concatenation.
class Xxh3Stream {
 public:
  explicit Xxh3Stream(uint64_t seed = 0);
  ~Xxh3Stream();
  Xxh3Stream(const Xxh3Stream&) = delete;
  Xxh3Stream& operator=(const Xxh3Stream&) = delete;
  void update(std::span<const uint8_t> data);
  uint64_t digest() const;

 private:
  void* state_;  // XXH3_state_t, kept out of this header
};

}  // namespace vole
