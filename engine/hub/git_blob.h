#pragma once
// Git's object id for a file ("blob <size>\0" + content, SHA-1): how the hub identifies
// files not stored in LFS, so small files (configs, tokenizers) can be verified too.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace vole::hub {

class GitBlobHasher {
 public:
  explicit GitBlobHasher(uint64_t size);  // git hashes the size first
  ~GitBlobHasher();
  GitBlobHasher(const GitBlobHasher&) = delete;
  GitBlobHasher& operator=(const GitBlobHasher&) = delete;
  void update(std::span<const uint8_t> data);
  std::string hex_digest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string git_blob_sha1(std::span<const uint8_t> data);

}  // namespace vole::hub
