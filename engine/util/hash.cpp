#include "util/hash.h"

#include <openssl/evp.h>
#include <xxhash.h>

#include "util/error.h"

namespace vole {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    fail(ErrorCode::Internal, "OpenSSL SHA-256 init failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::update(std::span<const uint8_t> data) {
  if (EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1)
    fail(ErrorCode::Internal, "OpenSSL SHA-256 update failed");
}

std::string Sha256::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, md, &len) != 1) fail(ErrorCode::Internal, "OpenSSL SHA-256 final failed");
  return to_hex({md, len});
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string sha256_hex(std::span<const uint8_t> data) {
  Sha256 h;
  h.update(data);
  return h.hex_digest();
}

uint64_t xxh3_64(std::span<const uint8_t> data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

Xxh3Stream::Xxh3Stream(uint64_t seed) : state_(XXH3_createState()) {
  if (!state_ || XXH3_64bits_reset_withSeed(static_cast<XXH3_state_t*>(state_), seed) != XXH_OK)
    fail(ErrorCode::OutOfMemory, "cannot allocate an XXH3 hash state");
}

Xxh3Stream::~Xxh3Stream() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void Xxh3Stream::update(std::span<const uint8_t> data) {
  XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), data.data(), data.size());
}

uint64_t Xxh3Stream::digest() const { return XXH3_64bits_digest(static_cast<const XXH3_state_t*>(state_)); }

}  // namespace vole
