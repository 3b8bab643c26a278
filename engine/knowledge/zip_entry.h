#pragma once
// One member of a zip file (a DOCX/ODT part), read with bounded decompression: a member that
// would expand beyond ExtractLimits (an absolute size and a ratio to its compressed size, the
// signature of a zip bomb) is refused before or while it is read, whatever its header claims.
// Encrypted members are refused. libzip does the zip format.
#include <cstdint>
#include <filesystem>
#include <string>

#include "knowledge/extract.h"

struct zip;
struct zip_file;

namespace vole::knowledge {

class ZipArchive {
 public:
  explicit ZipArchive(const std::filesystem::path& path);  // InvalidFile if not a readable zip
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;
  bool has(const std::string& name) const;
  zip* handle() const { return zip_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  zip* zip_ = nullptr;
};

class ZipEntryReader {
 public:
  ZipEntryReader(ZipArchive& archive, const std::string& name, const ExtractLimits& limits);
  ~ZipEntryReader();
  ZipEntryReader(const ZipEntryReader&) = delete;
  ZipEntryReader& operator=(const ZipEntryReader&) = delete;

  // Up to `capacity` bytes, 0 at the end; throws when the member goes past its bound.
  size_t read(char* buffer, size_t capacity);
  uint64_t bound() const { return bound_; }

 private:
  std::string what() const;
  ZipArchive& archive_;
  std::string name_;
  const ExtractLimits& limits_;
  zip_file* file_ = nullptr;
  uint64_t bound_ = 0;
  uint64_t read_ = 0;
};

}  // namespace vole::knowledge
