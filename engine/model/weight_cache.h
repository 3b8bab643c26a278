#pragma once
// The quantized weight cache: Vole's converted tensors (Q4 repacks and quantizations,
// dtype conversions, MLX fixups) written once so the next load maps them directly.
//
// File layout (little-endian):
//   [0, 64)    header: magic "VOLEWTC1", format version, index offset, index size,
//              XXH3 of the index, file size, XXH3 of these 48 bytes
//   [64, ...)  payload: each converted buffer, 256-byte aligned
//   index      JSON: rule version, load options (informational), the source files'
//              names/sizes/mtimes, and per tensor its key (name, dtype, Q4 group),
//              shape and payload parts (offset, size, XXH3), plus the XXH3 of all
//              part hashes (the payload's content hash).
// The header is written last and the file reaches its final name only by rename, so a
// killed writer leaves at most "<file>.tmp-<pid>", never a file that looks valid.
// Each part's hash is checked when it is served, so damage is caught before use.
// Parts that need no conversion (a plain tensor used as is, the packed weights of an
// MLX matrix) are not copied: they are served from the checkpoint's own map.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/safetensors.h"
#include "util/dtype.h"
#include "util/file.h"

namespace vole::model {

inline constexpr uint64_t kCacheFormatVersion = 1;
inline constexpr const char* kCacheFileName = "vole-weights.cache";

struct CachePart {
  bool present = false;  // false: this part comes from the checkpoint
  uint64_t offset = 0, size = 0, hash = 0;
};

struct CacheEntry {
  std::string name;
  DType dtype = DType::F32;
  int group = 0;
  std::vector<int64_t> shape;
  CachePart data, scales;
};

class CacheReader {
 public:
  // Opens `path` and checks it against `sources` and the rule version. Returns null
  // and sets `status` ("absent", "stale: ...", "damaged: ...") if it cannot be used.
  static std::unique_ptr<CacheReader> open(const fs::path& path, const std::vector<SourceFile>& sources,
                                           std::string& status);
  const CacheEntry* find(const std::string& name, DType dtype, int group) const;
  // The part's bytes if their hash matches, else nullopt.
  std::optional<std::span<const uint8_t>> verified(const CachePart& part) const;
  std::span<const uint8_t> raw(const CachePart& part) const { return {map_.data() + part.offset, part.size}; }
  const std::vector<CacheEntry>& entries() const { return entries_; }
  const fs::path& path() const { return map_.path(); }
  void release(const CachePart& part) const { map_.release_pages(part.offset, part.size); }

 private:
  MappedFile map_;
  std::vector<CacheEntry> entries_;
};

class CacheWriter {
 public:
  CacheWriter(const fs::path& path, std::vector<SourceFile> sources, std::string options_summary);
  // Appends a tensor; an empty span means that part is served from the checkpoint.
  void add(const CacheEntry& key, std::span<const uint8_t> data, std::span<const uint8_t> scales);
  // Copies an entry from an older cache with its recorded hashes (checked when served).
  void copy(const CacheEntry& entry, const CacheReader& from);
  bool contains(const std::string& name, DType dtype, int group) const;
  void commit();
  size_t size() const { return entries_.size(); }

 private:
  CachePart append(std::span<const uint8_t> bytes, std::optional<uint64_t> known_hash);
  AtomicFileWriter file_;
  std::vector<SourceFile> sources_;
  std::string options_;
  std::vector<CacheEntry> entries_;
};

// Removes "<path>.tmp-<pid>" files left by writers that no longer run.
void remove_stale_temp_files(const fs::path& path);

}  // namespace vole::model
