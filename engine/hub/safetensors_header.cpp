#include "hub/safetensors_header.h"

#include <algorithm>
#include <set>

#include "hub/failure.h"

namespace vole::hub {

namespace {

using json = nlohmann::json;

[[noreturn]] void bad(const std::string& what, const std::string& why) {
  fail_hub(Failure::Integrity, "invalid safetensors header in " + what + ": " + why);
}

uint64_t to_u64(const json& v, const std::string& what, const std::string& field) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  bad(what, field + " must be a non-negative integer");
}

TensorEntry parse_tensor(const std::string& name, const json& v, const std::string& what) {
  std::string where = "tensor '" + name + "'";
  if (name.empty()) bad(what, "empty tensor name");
  if (!v.is_object()) bad(what, where + " is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!v.contains(key)) bad(what, where + " has no " + key);
  TensorEntry t;
  t.name = name;
  if (!v["dtype"].is_string()) bad(what, where + ": dtype is not a string");
  t.dtype = v["dtype"].get<std::string>();
  unsigned bits = dtype_bits(t.dtype);
  if (bits == 0) bad(what, where + ": unknown dtype '" + t.dtype + "'");
  if (!v["shape"].is_array()) bad(what, where + ": shape is not an array");
  uint64_t elements = 1;
  for (const auto& d : v["shape"]) {
    uint64_t dim = to_u64(d, what, where + " shape entry");
    t.shape.push_back(dim);
    if (__builtin_mul_overflow(elements, dim, &elements)) bad(what, where + ": shape overflows");
  }
  const json& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2) bad(what, where + ": data_offsets must be [begin, end]");
  t.begin = to_u64(off[0], what, where + " data_offsets");
  t.end = to_u64(off[1], what, where + " data_offsets");
  if (t.end < t.begin) bad(what, where + ": data_offsets end before begin");
  uint64_t total_bits = 0;
  if (__builtin_mul_overflow(elements, static_cast<uint64_t>(bits), &total_bits))
    bad(what, where + ": size overflows");
  if (total_bits % 8 != 0) bad(what, where + ": " + t.dtype + " elements do not fill whole bytes");
  if (total_bits / 8 != t.bytes())
    bad(what, where + ": " + std::to_string(t.bytes()) + " bytes of data for " + std::to_string(total_bits / 8) +
                  " bytes of " + t.dtype + " elements");
  return t;
}

}  // namespace

unsigned dtype_bits(const std::string& d) {
  if (d == "BOOL" || d == "U8" || d == "I8" || d == "F8_E4M3" || d == "F8_E5M2" || d == "F8_E8M0") return 8;
  if (d == "U16" || d == "I16" || d == "F16" || d == "BF16") return 16;
  if (d == "U32" || d == "I32" || d == "F32") return 32;
  if (d == "U64" || d == "I64" || d == "F64" || d == "C64") return 64;
  if (d == "F4") return 4;
  if (d == "F6_E2M3" || d == "F6_E3M2") return 6;
  return 0;
}

uint64_t SafetensorsHeader::data_size() const {
  uint64_t end = 0;
  for (const auto& t : tensors) end = std::max(end, t.end);
  return end;
}

const TensorEntry* SafetensorsHeader::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

uint64_t read_header_length(std::span<const uint8_t> first8, uint64_t file_size, const std::string& what) {
  if (first8.size() < 8 || file_size < 8) bad(what, "file shorter than 8 bytes");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | first8[i];
  if (n < 2) bad(what, "header length " + std::to_string(n) + " is too small");
  if (n > kMaxSafetensorsHeader) bad(what, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  if (n > file_size - 8) bad(what, "header length " + std::to_string(n) + " runs past the end of the file");
  return n;
}

SafetensorsHeader parse_header(std::span<const uint8_t> json_bytes, uint64_t file_size, const std::string& what) {
  SafetensorsHeader h;
  h.json_size = json_bytes.size();
  if (h.json_size > kMaxSafetensorsHeader || 8 + h.json_size > file_size) bad(what, "header larger than the file");
  if (json_bytes.empty() || json_bytes[0] != '{') bad(what, "header does not start with '{'");

  std::string duplicate;
  std::set<std::string> keys;
  json::parser_callback_t check_keys = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  json root;
  try {
    root = json::parse(json_bytes.begin(), json_bytes.end(), check_keys);
  } catch (const json::exception& e) {
    bad(what, std::string("malformed JSON: ") + e.what());
  }
  if (!duplicate.empty()) bad(what, "tensor '" + duplicate + "' appears twice");
  if (!root.is_object()) bad(what, "header is not a JSON object");

  uint64_t data_limit = file_size - h.data_offset();
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) bad(what, "__metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m)
        if (!m->is_string()) bad(what, "__metadata__ value '" + m.key() + "' is not a string");
      h.metadata = *it;
      continue;
    }
    TensorEntry t = parse_tensor(it.key(), *it, what);
    if (t.end > data_limit)
      bad(what, "tensor '" + t.name + "' ends at " + std::to_string(t.end) + ", past the data section (" +
                    std::to_string(data_limit) + " bytes)");
    h.tensors.push_back(std::move(t));
  }
  std::sort(h.tensors.begin(), h.tensors.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < h.tensors.size(); ++i)
    if (h.tensors[i].begin < h.tensors[i - 1].end)
      bad(what, "tensors '" + h.tensors[i - 1].name + "' and '" + h.tensors[i].name + "' overlap");
  return h;
}

SafetensorsHeader parse_header_prefix(std::span<const uint8_t> bytes, uint64_t file_size, const std::string& what) {
  uint64_t n = read_header_length(bytes.first(std::min<size_t>(8, bytes.size())), file_size, what);
  if (bytes.size() < 8 + n) bad(what, "header truncated");
  return parse_header(bytes.subspan(8, n), file_size, what);
}

std::string serialize_header(const std::vector<TensorEntry>& tensors, const nlohmann::json& metadata) {
  json root = json::object();
  if (!metadata.is_null()) root["__metadata__"] = metadata;
  for (const auto& t : tensors)
    root[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {t.begin, t.end}}};
  std::string text = root.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data section 8-byte aligned
  std::string out(8, '\0');
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + text;
}

uint64_t SubsetLayout::file_size() const {
  uint64_t end = 0;
  for (const auto& t : tensors) end = std::max(end, t.end);
  return header.size() + end;
}

SubsetLayout layout_subset(const SafetensorsHeader& source, const std::function<bool(const TensorEntry&)>& keep) {
  SubsetLayout out;
  uint64_t offset = 0;
  for (size_t i = 0; i < source.tensors.size(); ++i) {
    const auto& t = source.tensors[i];
    if (!keep(t)) continue;
    TensorEntry n = t;
    n.begin = offset;
    n.end = offset + t.bytes();
    offset = n.end;
    out.tensors.push_back(std::move(n));
    out.source_index.push_back(i);
  }
  out.header = serialize_header(out.tensors, source.metadata);
  return out;
}

}  // namespace vole::hub
