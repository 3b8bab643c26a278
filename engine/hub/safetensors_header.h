#pragma once
// Just enough of the safetensors format to plan downloads of a subset of tensors:
// parse a header fetched over HTTP (strictly: bounds, overflow, overlaps, sizes),
// and lay out a new file holding only some tensors. The full reader (mmap, dtypes,
// views) lives in engine/model.
//
// File layout: u64 little-endian N | N bytes of JSON | data section. The JSON maps
// each tensor name to {dtype, shape, data_offsets: [begin, end)} relative to the data
// section, plus an optional "__metadata__" object of string values.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vole::hub {

inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;  // same limit as the reference reader

struct TensorEntry {
  std::string name;
  std::string dtype;
  std::vector<uint64_t> shape;
  uint64_t begin = 0;  // relative to the data section
  uint64_t end = 0;
  uint64_t bytes() const { return end - begin; }
};

struct SafetensorsHeader {
  uint64_t json_size = 0;            // N
  std::vector<TensorEntry> tensors;  // ordered by begin offset
  nlohmann::json metadata;           // the "__metadata__" object, or null
  uint64_t data_offset() const { return 8 + json_size; }
  uint64_t data_size() const;        // end of the last tensor
  const TensorEntry* find(const std::string& name) const;
};

// Reads N from the first 8 bytes and checks it against the limit and the file size.
uint64_t read_header_length(std::span<const uint8_t> first8, uint64_t file_size, const std::string& what);

// Parses the JSON header (the N bytes after the length). file_size bounds the data
// section. Throws HubError(Integrity) naming `what` and the tensor for any problem:
// malformed JSON, duplicate or reserved names, unknown dtype, shape/offset mismatch,
// offsets out of bounds, overlapping tensors, metadata that is not string values.
SafetensorsHeader parse_header(std::span<const uint8_t> json_bytes, uint64_t file_size, const std::string& what);

// Parses a whole in-memory file prefix: 8-byte length + JSON (at least 8 + N bytes).
SafetensorsHeader parse_header_prefix(std::span<const uint8_t> bytes, uint64_t file_size, const std::string& what);

// Bytes per element for a dtype, in bits (F4 is 4 bits); 0 for unknown dtypes.
unsigned dtype_bits(const std::string& dtype);

// A new file with some of `source`'s tensors, in source order, packed back to back.
struct SubsetLayout {
  std::string header;                // 8-byte length + JSON padded with spaces to 8 bytes
  std::vector<TensorEntry> tensors;  // with their new offsets
  std::vector<uint64_t> source_index;  // for each new tensor, its index in source.tensors
  uint64_t file_size() const;
};
SubsetLayout layout_subset(const SafetensorsHeader& source, const std::function<bool(const TensorEntry&)>& keep);

// The JSON header text for `tensors` (offsets as given) and metadata, framed and padded.
std::string serialize_header(const std::vector<TensorEntry>& tensors, const nlohmann::json& metadata);

}  // namespace vole::hub
