#include "model/safetensors.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "model/json_util.h"
#include "util/error.h"

namespace vole::model {

namespace {

struct DTypeInfo {
  StDType type;
  const char* name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {StDType::BOOL, "BOOL", 1}, {StDType::U8, "U8", 1},     {StDType::I8, "I8", 1},
    {StDType::F8_E5M2, "F8_E5M2", 1}, {StDType::F8_E4M3, "F8_E4M3", 1}, {StDType::I16, "I16", 2},
    {StDType::U16, "U16", 2},   {StDType::F16, "F16", 2},   {StDType::BF16, "BF16", 2},
    {StDType::I32, "I32", 4},   {StDType::U32, "U32", 4},   {StDType::F32, "F32", 4},
    {StDType::F64, "F64", 8},   {StDType::I64, "I64", 8},   {StDType::U64, "U64", 8},
};

constexpr size_t kMaxRank = 8;

[[noreturn]] void bad(const std::string& label, const std::string& what) {
  fail(ErrorCode::InvalidFile, label + ": " + what);
}

// Streams the header JSON through nlohmann's SAX interface, which is iterative (no
// recursion on hostile nesting) and lets us reject duplicate keys and anything that
// is not exactly the safetensors schema as soon as it appears.
class HeaderSax {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit HeaderSax(SafetensorsHeader& out) : out_(out) {}
  std::string error;

  bool null() { return value_error("null"); }
  bool boolean(bool) { return value_error("a boolean"); }
  bool number_float(number_float_t, const string_t&) { return value_error("a non-integer number"); }
  bool binary(binary_t&) { return value_error("binary data"); }

  bool number_integer(number_integer_t v) {
    if (v < 0) return value_error("a negative number");
    return number_unsigned(static_cast<number_unsigned_t>(v));
  }
  bool number_unsigned(number_unsigned_t v) {
    if (depth_ != 3) return value_error("a number");
    if (field_ == Field::Shape) {
      if (v > static_cast<uint64_t>(INT64_MAX)) return fail_tensor("has a dimension that is too large");
      if (current_shape_.size() >= kMaxRank) return fail_tensor("has more than 8 dimensions");
      current_shape_.push_back(static_cast<int64_t>(v));
    } else if (field_ == Field::Offsets) {
      if (current_offsets_.size() >= 2) return fail_tensor("has more than 2 data_offsets");
      current_offsets_.push_back(v);
    } else {
      return value_error("a number");
    }
    return true;
  }
  bool string(string_t& s) {
    if (depth_ == 2 && in_metadata_) {
      out_.metadata[meta_key_] = s;
      return true;
    }
    if (depth_ == 2 && field_ == Field::DType) {
      auto t = parse_st_dtype(s);
      if (!t) return fail_tensor("has unknown dtype \"" + s + "\"");
      current_.dtype = *t;
      has_dtype_ = true;
      return true;
    }
    return value_error("a string");
  }
  bool start_object(std::size_t) {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    if (depth_ == 1) {
      depth_ = 2;
      return true;
    }
    return value_error("an object");
  }
  bool key(string_t& k) {
    if (depth_ == 1) {
      if (!names_.insert(k).second) {
        error = "duplicate tensor name \"" + k + "\"";
        return false;
      }
      in_metadata_ = (k == "__metadata__");
      if (!in_metadata_) {
        if (k.empty()) {
          error = "empty tensor name";
          return false;
        }
        current_ = TensorEntry{};
        current_.name = k;
        current_shape_.clear();
        current_offsets_.clear();
        has_dtype_ = has_shape_ = has_offsets_ = false;
      }
      return true;
    }
    if (depth_ == 2 && in_metadata_) {
      meta_key_ = k;
      if (out_.metadata.count(k)) {
        error = "duplicate __metadata__ key \"" + k + "\"";
        return false;
      }
      return true;
    }
    if (depth_ == 2) {
      bool* seen = nullptr;
      if (k == "dtype") field_ = Field::DType, seen = &has_dtype_;
      else if (k == "shape") field_ = Field::Shape, seen = &has_shape_;
      else if (k == "data_offsets") field_ = Field::Offsets, seen = &has_offsets_;
      else return fail_tensor("has unknown field \"" + k + "\"");
      if (*seen) return fail_tensor("repeats field \"" + k + "\"");
      if (field_ != Field::DType) *seen = true;
      return true;
    }
    return value_error("a key");
  }
  bool end_object() {
    if (depth_ == 2) {
      depth_ = 1;
      if (in_metadata_) {
        in_metadata_ = false;
        return true;
      }
      if (!has_dtype_) return fail_tensor("has no dtype");
      if (!has_shape_) return fail_tensor("has no shape");
      if (!has_offsets_) return fail_tensor("has no data_offsets");
      if (current_offsets_.size() != 2) return fail_tensor("needs exactly 2 data_offsets");
      current_.shape = current_shape_;
      current_.begin = current_offsets_[0];
      current_.end = current_offsets_[1];
      out_.tensors.push_back(std::move(current_));
      return true;
    }
    if (depth_ == 1) {
      depth_ = 0;
      done_ = true;
      return true;
    }
    return value_error("'}'");
  }
  bool start_array(std::size_t) {
    if (depth_ == 2 && !in_metadata_ && (field_ == Field::Shape || field_ == Field::Offsets)) {
      depth_ = 3;
      return true;
    }
    return value_error("an array");
  }
  bool end_array() {
    depth_ = 2;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    error = std::string("invalid JSON at byte ") + std::to_string(position) + " (" + e.what() + ")";
    return false;
  }
  bool complete() const { return done_; }

 private:
  enum class Field { None, DType, Shape, Offsets };
  bool fail_tensor(const std::string& what) {
    error = "tensor \"" + current_.name + "\" " + what;
    return false;
  }
  bool value_error(const char* what) {
    if (depth_ == 0) error = std::string("header must be a JSON object, found ") + what;
    else if (depth_ == 1) error = std::string("tensor entries must be objects, found ") + what;
    else if (in_metadata_) error = std::string("__metadata__ values must be strings, found ") + what;
    else if (depth_ == 2 && field_ == Field::DType) return fail_tensor(std::string("has a dtype that is ") + what);
    else if (depth_ == 2) return fail_tensor(std::string("has ") + what + " where an array belongs");
    else return fail_tensor(std::string("has ") + what + " inside its shape or data_offsets");
    return false;
  }

  SafetensorsHeader& out_;
  int depth_ = 0;
  bool done_ = false;
  bool in_metadata_ = false;
  std::string meta_key_;
  Field field_ = Field::None;
  std::set<std::string> names_;
  TensorEntry current_;
  std::vector<int64_t> current_shape_;
  std::vector<uint64_t> current_offsets_;
  bool has_dtype_ = false, has_shape_ = false, has_offsets_ = false;
};

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

size_t st_dtype_size(StDType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.size;
  return 0;
}

const char* st_dtype_name(StDType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.name;
  return "?";
}

std::optional<StDType> parse_st_dtype(std::string_view name) {
  for (const auto& d : kDTypes)
    if (name == d.name) return d.type;
  return std::nullopt;
}

std::optional<DType> to_vole_dtype(StDType t) {
  switch (t) {
    case StDType::F32: return DType::F32;
    case StDType::F16: return DType::F16;
    case StDType::BF16: return DType::BF16;
    case StDType::I32: return DType::I32;
    case StDType::U32: return DType::U32;
    default: return std::nullopt;
  }
}

uint64_t TensorEntry::numel() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);  // validated not to overflow
  return n;
}

const TensorEntry* SafetensorsHeader::find(std::string_view name) const {
  auto it = by_name.find(std::string(name));
  return it == by_name.end() ? nullptr : &tensors[it->second];
}

SafetensorsHeader parse_safetensors_header(std::span<const uint8_t> file, const std::string& label) {
  if (file.size() < 8) bad(label, "file is too short for a safetensors header (" + std::to_string(file.size()) + " bytes)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | file[i];
  if (n > kMaxSafetensorsHeader) bad(label, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  if (n > file.size() - 8)
    bad(label, "header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(file.size()) +
                   " bytes): truncated?");
  if (n < 2) bad(label, "header is empty");

  SafetensorsHeader h;
  h.data_offset = 8 + n;
  const char* text = reinterpret_cast<const char*>(file.data() + 8);
  HeaderSax sax(h);
  bool ok = json::sax_parse(text, text + n, &sax, nlohmann::detail::input_format_t::json, true);
  if (!ok || !sax.complete()) bad(label, sax.error.empty() ? "header is not a complete JSON object" : sax.error);

  const uint64_t data_size = file.size() - h.data_offset;
  for (auto& t : h.tensors) {
    auto where = [&] { return "tensor \"" + t.name + "\" "; };
    uint64_t numel = 1;
    for (int64_t d : t.shape)
      if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel)) bad(label, where() + "has a shape whose size overflows");
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(numel, st_dtype_size(t.dtype), &bytes)) bad(label, where() + "has a byte size that overflows");
    if (t.end < t.begin) bad(label, where() + "has data_offsets that end before they begin");
    if (t.end - t.begin != bytes)
      bad(label, where() + "is " + st_dtype_name(t.dtype) + " " + shape_string(t.shape) + " = " + std::to_string(bytes) +
                     " bytes but data_offsets span " + std::to_string(t.end - t.begin));
    if (t.end > data_size)
      bad(label, where() + "data [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                     ") lies outside the data section (" + std::to_string(data_size) + " bytes): truncated?");
    t.begin += h.data_offset;
    t.end += h.data_offset;
  }
  std::sort(h.tensors.begin(), h.tensors.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  // Non-overlap: each non-empty range starts at or after the end of the previous one.
  uint64_t covered_to = h.data_offset;
  const TensorEntry* previous = nullptr;
  for (const auto& t : h.tensors) {
    if (t.nbytes() == 0) continue;
    if (t.begin < covered_to)
      bad(label, "tensors \"" + previous->name + "\" and \"" + t.name + "\" overlap in the data section");
    covered_to = t.end;
    previous = &t;
  }
  h.by_name.reserve(h.tensors.size());
  for (size_t i = 0; i < h.tensors.size(); ++i) h.by_name.emplace(h.tensors[i].name, i);
  return h;
}

SafetensorsFile::SafetensorsFile(const fs::path& path) : map_(path) {
  header_ = parse_safetensors_header(map_.bytes(), path.string());
}

// --- Checkpoint ---

SourceFile stat_source_file(const fs::path& dir, const std::string& name) {
  struct stat st {};
  fs::path p = dir / name;
  if (::stat(p.c_str(), &st) != 0) fail(ErrorCode::NotFound, "missing checkpoint file " + p.string());
  SourceFile f;
  f.name = name;
  f.size = static_cast<uint64_t>(st.st_size);
  f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return f;
}

namespace {
constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

// A shard name must be a plain file name inside the model folder.
bool safe_file_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\\') == std::string::npos && s.find('\0') == std::string::npos;
}
}  // namespace

bool Checkpoint::present_in(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / kIndexFile, ec) || fs::is_regular_file(dir / kSingleFile, ec);
}

Checkpoint::Checkpoint(const fs::path& dir) : dir_(dir) {
  std::error_code ec;
  if (fs::is_regular_file(dir / kIndexFile, ec)) {
    sharded_ = true;
    std::string label = (dir / kIndexFile).string();
    json index = read_json_file(label, 8);
    JsonObject top(index, label);
    JsonObject map = top.child("weight_map");
    std::unordered_map<std::string, size_t> shard_index;
    for (const auto& [name, file] : index["weight_map"].items()) {
      if (!file.is_string()) map.fail_field(name.c_str(), "must name a shard file");
      std::string shard = file.get<std::string>();
      if (!safe_file_name(shard)) fail(ErrorCode::InvalidFile, label + ": tensor \"" + name + "\" points at \"" + shard + "\", which is not a file name in the model folder");
      auto [it, inserted] = shard_index.emplace(shard, shard_names_.size());
      if (inserted) shard_names_.push_back(shard);
      shard_of_.emplace(name, it->second);
      names_.push_back(name);
    }
    if (names_.empty()) fail(ErrorCode::InvalidFile, label + ": weight_map is empty");
    sources_.push_back(stat_source_file(dir, kIndexFile));
  } else if (fs::is_regular_file(dir / kSingleFile, ec)) {
    shard_names_.push_back(kSingleFile);
  } else {
    fail(ErrorCode::NotFound, "no model.safetensors or model.safetensors.index.json in " + dir.string());
  }
  for (const auto& s : shard_names_) sources_.push_back(stat_source_file(dir, s));
  shards_.resize(shard_names_.size());
  if (!sharded_) {
    // One file: its header is the only listing, so open it now.
    const auto& file = open_shard(0);
    for (const auto& t : file.header().tensors) {
      shard_of_.emplace(t.name, 0);
      names_.push_back(t.name);
    }
  }
  std::sort(names_.begin(), names_.end());
}

Checkpoint::Checkpoint(Checkpoint&&) noexcept = default;
Checkpoint& Checkpoint::operator=(Checkpoint&&) noexcept = default;
Checkpoint::~Checkpoint() = default;

SafetensorsFile& Checkpoint::open_shard(size_t index) {
  if (!shards_[index]) {
    auto file = std::make_unique<SafetensorsFile>(dir_ / shard_names_[index]);
    shards_[index] = std::move(file);
  }
  return *shards_[index];
}

TensorRef Checkpoint::find(const std::string& name) {
  auto it = shard_of_.find(name);
  if (it == shard_of_.end()) fail(ErrorCode::NotFound, "checkpoint " + dir_.string() + " has no tensor \"" + name + "\"");
  SafetensorsFile& file = open_shard(it->second);
  const TensorEntry* e = file.find(name);
  if (!e)
    fail(ErrorCode::InvalidFile, (dir_ / kIndexFile).string() + ": says tensor \"" + name + "\" is in " +
                                     shard_names_[it->second] + ", but that file does not contain it");
  return {&file, e};
}

uint64_t Checkpoint::total_bytes() const {
  uint64_t total = 0;
  for (const auto& s : sources_) total += s.size;
  return total;
}

std::vector<std::string> Checkpoint::opened_files() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < shards_.size(); ++i)
    if (shards_[i]) out.push_back(shard_names_[i]);
  return out;
}

}  // namespace vole::model
