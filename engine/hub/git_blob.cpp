#include "hub/git_blob.h"

#include <openssl/evp.h>

#include "hub/failure.h"
#include "util/hash.h"

namespace vole::hub {

struct GitBlobHasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

GitBlobHasher::GitBlobHasher(uint64_t size) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha1(), nullptr) != 1)
    fail_hub(Failure::Internal, "OpenSSL SHA-1 init failed");
  std::string prefix = "blob " + std::to_string(size);
  prefix.push_back('\0');
  update({reinterpret_cast<const uint8_t*>(prefix.data()), prefix.size()});
}

GitBlobHasher::~GitBlobHasher() { EVP_MD_CTX_free(impl_->ctx); }

void GitBlobHasher::update(std::span<const uint8_t> data) {
  if (EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1) fail_hub(Failure::Internal, "OpenSSL SHA-1 failed");
}

std::string GitBlobHasher::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, md, &len) != 1) fail_hub(Failure::Internal, "OpenSSL SHA-1 failed");
  return to_hex({md, len});
}

std::string git_blob_sha1(std::span<const uint8_t> data) {
  GitBlobHasher h(data.size());
  h.update(data);
  return h.hex_digest();
}

}  // namespace vole::hub
