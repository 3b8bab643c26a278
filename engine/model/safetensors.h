#pragma once
// Safetensors files over a memory map, validated before anything is trusted.
//
// Layout: u64 little-endian header length N, N bytes of JSON, then the data section.
// The JSON maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]} with
// offsets relative to the data section; "__metadata__" holds string pairs. We check:
// N against the file size and a 100 MB bound, well-formed JSON without duplicate keys,
// known dtypes, shape x dtype size == end - begin with no integer overflow, every range
// inside the data section and no two ranges overlapping. Anything else is an
// InvalidFile error naming the file (and tensor).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/dtype.h"
#include "util/file.h"

namespace vole::model {

// Element types a safetensors header may declare (the format's full list).
enum class StDType : uint8_t { BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

size_t st_dtype_size(StDType t);
const char* st_dtype_name(StDType t);
std::optional<StDType> parse_st_dtype(std::string_view name);
// The Vole dtype with the same bytes, if there is one (F32, F16, BF16, I32, U32).
std::optional<DType> to_vole_dtype(StDType t);

struct TensorEntry {
  std::string name;
  StDType dtype = StDType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // absolute byte offsets in the file: [begin, end)
  uint64_t end = 0;
  uint64_t nbytes() const { return end - begin; }
  uint64_t numel() const;
};

inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

struct SafetensorsHeader {
  uint64_t data_offset = 0;            // 8 + header length
  std::vector<TensorEntry> tensors;    // in the order of their data
  std::map<std::string, std::string> metadata;
  const TensorEntry* find(std::string_view name) const;

  std::unordered_map<std::string, size_t> by_name;
};

// Parses and validates the header of a safetensors file whose complete bytes are
// `file` (only the header is read; the size bounds the data ranges). `label` names
// the file in errors. Never reads outside `file`.
SafetensorsHeader parse_safetensors_header(std::span<const uint8_t> file, const std::string& label);

// One safetensors file, memory-mapped read-only.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const fs::path& path);
  const fs::path& path() const { return map_.path(); }
  const SafetensorsHeader& header() const { return header_; }
  const TensorEntry* find(std::string_view name) const { return header_.find(name); }
  std::span<const uint8_t> bytes(const TensorEntry& e) const { return {map_.data() + e.begin, e.nbytes()}; }
  const MappedFile& map() const { return map_; }

 private:
  MappedFile map_;
  SafetensorsHeader header_;
};

// A tensor found in a checkpoint: its header entry and the file that holds it.
struct TensorRef {
  const SafetensorsFile* file = nullptr;
  const TensorEntry* entry = nullptr;
  std::span<const uint8_t> bytes() const { return file->bytes(*entry); }
};

// Name, size and modification time of a file the weights come from.
struct SourceFile {
  std::string name;  // relative to the model folder
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const SourceFile&) const = default;
};
SourceFile stat_source_file(const fs::path& dir, const std::string& name);

// The weights of a Hugging Face model folder: model.safetensors, or shards listed by
// model.safetensors.index.json. Shards are opened (mapped and their headers parsed)
// only when a tensor inside them is asked for, so a selective load never touches a
// shard that holds nothing it needs.
class Checkpoint {
 public:
  explicit Checkpoint(const fs::path& dir);
  Checkpoint(Checkpoint&&) noexcept;
  Checkpoint& operator=(Checkpoint&&) noexcept;
  ~Checkpoint();

  static bool present_in(const fs::path& dir);
  const fs::path& dir() const { return dir_; }
  bool sharded() const { return sharded_; }
  // Every tensor name (from the index, or the single file's header), sorted.
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const { return shard_of_.count(name) != 0; }
  // Opens the shard holding `name` if needed. NotFound if the checkpoint lacks it.
  TensorRef find(const std::string& name);
  // Files that make up the checkpoint (index first), with sizes and mtimes.
  const std::vector<SourceFile>& sources() const { return sources_; }
  uint64_t total_bytes() const;
  // Shards opened so far (tests use this to prove that a selective load skipped some).
  std::vector<std::string> opened_files() const;

 private:
  SafetensorsFile& open_shard(size_t index);
  fs::path dir_;
  bool sharded_ = false;
  std::vector<std::string> shard_names_;
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;  // null until opened
  std::unordered_map<std::string, size_t> shard_of_;
  std::vector<std::string> names_;
  std::vector<SourceFile> sources_;
};

}  // namespace vole::model
