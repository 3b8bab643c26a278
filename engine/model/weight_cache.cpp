#include "model/weight_cache.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "model/json_util.h"
#include "model/quant_rules.h"
#include "util/error.h"
#include "util/hash.h"

namespace vole::model {

namespace {

constexpr char kMagic[8] = {'V', 'O', 'L', 'E', 'W', 'T', 'C', '1'};
constexpr uint64_t kHeaderSize = 64;
constexpr uint64_t kAlign = 256;

struct Header {
  uint64_t version, index_offset, index_size, index_hash, file_size;
};

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::optional<DType> parse_dtype(const std::string& s) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::I32, DType::U32, DType::Q4})
    if (s == dtype_name(t)) return t;
  return std::nullopt;
}

json sources_json(const std::vector<SourceFile>& sources) {
  json a = json::array();
  for (const auto& s : sources) a.push_back({{"name", s.name}, {"size", s.size}, {"mtime_ns", s.mtime_ns}});
  return a;
}

json part_json(const CachePart& p) {
  if (!p.present) return nullptr;
  return json::array({p.offset, p.size, p.hash});
}

uint64_t payload_hash(const std::vector<CacheEntry>& entries) {
  std::vector<uint64_t> hashes;
  for (const auto& e : entries)
    for (const CachePart* p : {&e.data, &e.scales})
      if (p->present) hashes.push_back(p->hash);
  return xxh3_64({reinterpret_cast<const uint8_t*>(hashes.data()), hashes.size() * 8});
}

// Parses the index; any structural problem is a "damaged" exception message.
struct Damaged {
  std::string why;
};

CachePart parse_part(const json& j, uint64_t payload_end) {
  CachePart p;
  if (j.is_null()) return p;
  if (!j.is_array() || j.size() != 3 || !j[0].is_number_unsigned() || !j[1].is_number_unsigned() ||
      !j[2].is_number_unsigned())
    throw Damaged{"malformed tensor part"};
  p.present = true;
  p.offset = j[0].get<uint64_t>();
  p.size = j[1].get<uint64_t>();
  p.hash = j[2].get<uint64_t>();
  if (p.offset < kHeaderSize || p.offset > payload_end || p.size > payload_end - p.offset)
    throw Damaged{"tensor part outside the payload"};
  return p;
}

}  // namespace

// --- reader ---

std::unique_ptr<CacheReader> CacheReader::open(const fs::path& path, const std::vector<SourceFile>& sources,
                                               std::string& status) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    status = "absent";
    return nullptr;
  }
  auto reader = std::unique_ptr<CacheReader>(new CacheReader());
  try {
    reader->map_ = MappedFile(path);
  } catch (const Error& e) {
    status = std::string("unreadable: ") + e.what();
    return nullptr;
  }
  const MappedFile& m = reader->map_;
  try {
    if (m.size() < kHeaderSize) throw Damaged{"shorter than its header"};
    const uint8_t* h = m.data();
    if (std::memcmp(h, kMagic, 8) != 0) throw Damaged{"not a Vole weight cache"};
    if (get_u64(h + 48) != xxh3_64({h, 48})) throw Damaged{"header checksum mismatch"};
    Header hd{get_u64(h + 8), get_u64(h + 16), get_u64(h + 24), get_u64(h + 32), get_u64(h + 40)};
    if (hd.version != kCacheFormatVersion) {
      status = "stale: cache format " + std::to_string(hd.version);
      return nullptr;
    }
    if (hd.file_size != m.size()) throw Damaged{"truncated or extended (" + std::to_string(m.size()) + " of " + std::to_string(hd.file_size) + " bytes)"};
    if (hd.index_offset < kHeaderSize || hd.index_offset > m.size() || hd.index_size > m.size() - hd.index_offset)
      throw Damaged{"index outside the file"};
    std::span<const uint8_t> index_bytes{m.data() + hd.index_offset, hd.index_size};
    if (xxh3_64(index_bytes) != hd.index_hash) throw Damaged{"index checksum mismatch"};
    json idx;
    try {
      idx = parse_json(std::string_view(reinterpret_cast<const char*>(index_bytes.data()), index_bytes.size()),
                       path.string(), 8);
    } catch (const Error& e) {
      throw Damaged{e.what()};
    }
    if (!idx.is_object()) throw Damaged{"index is not an object"};
    if (idx.value("rules", -1) != kQuantRulesVersion) {
      status = "stale: quantization rules changed";
      return nullptr;
    }
    std::vector<SourceFile> recorded;
    const json& src = idx.at("sources");
    if (!src.is_array()) throw Damaged{"sources is not a list"};
    for (const auto& s : src)
      recorded.push_back({s.at("name").get<std::string>(), s.at("size").get<uint64_t>(), s.at("mtime_ns").get<int64_t>()});
    if (recorded != sources) {
      status = "stale: the model's files changed";
      return nullptr;
    }
    const json& tensors = idx.at("tensors");
    if (!tensors.is_array()) throw Damaged{"tensors is not a list"};
    for (const auto& t : tensors) {
      CacheEntry e;
      e.name = t.at("name").get<std::string>();
      auto dt = parse_dtype(t.at("dtype").get<std::string>());
      if (!dt) throw Damaged{"unknown dtype"};
      e.dtype = *dt;
      e.group = t.at("group").get<int>();
      e.shape = t.at("shape").get<std::vector<int64_t>>();
      e.data = parse_part(t.at("data"), hd.index_offset);
      e.scales = parse_part(t.at("scales"), hd.index_offset);
      reader->entries_.push_back(std::move(e));
    }
    // No two parts may overlap.
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const auto& e : reader->entries_)
      for (const CachePart* p : {&e.data, &e.scales})
        if (p->present && p->size) ranges.emplace_back(p->offset, p->offset + p->size);
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
      if (ranges[i].first < ranges[i - 1].second) throw Damaged{"tensor parts overlap"};
    if (idx.at("payload_hash").get<uint64_t>() != payload_hash(reader->entries_)) throw Damaged{"payload hash mismatch"};
  } catch (const Damaged& d) {
    status = "damaged: " + d.why;
    return nullptr;
  } catch (const json::exception& e) {
    status = std::string("damaged: malformed index (") + e.what() + ")";
    return nullptr;
  }
  status = "valid";
  return reader;
}

const CacheEntry* CacheReader::find(const std::string& name, DType dtype, int group) const {
  for (const auto& e : entries_)
    if (e.name == name && e.dtype == dtype && e.group == group) return &e;
  return nullptr;
}

std::optional<std::span<const uint8_t>> CacheReader::verified(const CachePart& part) const {
  auto bytes = raw(part);
  if (xxh3_64(bytes) != part.hash) return std::nullopt;
  return bytes;
}

// --- writer ---

void remove_stale_temp_files(const fs::path& path) {
  std::error_code ec;
  std::string prefix = path.filename().string() + ".tmp-";
  for (const auto& f : fs::directory_iterator(path.parent_path(), ec)) {
    std::string name = f.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (::kill(pid, 0) != 0 && errno == ESRCH) fs::remove(f.path(), ec);
  }
}

CacheWriter::CacheWriter(const fs::path& path, std::vector<SourceFile> sources, std::string options_summary)
    : file_(path), sources_(std::move(sources)), options_(std::move(options_summary)) {
  std::vector<uint8_t> zeros(kHeaderSize, 0);
  file_.write(zeros);
}

CachePart CacheWriter::append(std::span<const uint8_t> bytes, std::optional<uint64_t> known_hash) {
  static const std::vector<uint8_t> pad(kAlign, 0);
  uint64_t at = (file_.size() + kAlign - 1) / kAlign * kAlign;
  if (at > file_.size()) file_.write({pad.data(), at - file_.size()});
  CachePart p;
  p.present = true;
  p.offset = at;
  p.size = bytes.size();
  p.hash = known_hash ? *known_hash : xxh3_64(bytes);
  file_.write(bytes);
  return p;
}

void CacheWriter::add(const CacheEntry& key, std::span<const uint8_t> data, std::span<const uint8_t> scales) {
  CacheEntry e = key;
  e.data = data.empty() ? CachePart{} : append(data, std::nullopt);
  e.scales = scales.empty() ? CachePart{} : append(scales, std::nullopt);
  entries_.push_back(std::move(e));
}

void CacheWriter::copy(const CacheEntry& entry, const CacheReader& from) {
  CacheEntry e = entry;
  if (entry.data.present) e.data = append(from.raw(entry.data), entry.data.hash);
  if (entry.scales.present) e.scales = append(from.raw(entry.scales), entry.scales.hash);
  entries_.push_back(std::move(e));
}

bool CacheWriter::contains(const std::string& name, DType dtype, int group) const {
  for (const auto& e : entries_)
    if (e.name == name && e.dtype == dtype && e.group == group) return true;
  return false;
}

void CacheWriter::commit() {
  json idx;
  idx["format"] = kCacheFormatVersion;
  idx["rules"] = kQuantRulesVersion;
  idx["options"] = options_;
  idx["sources"] = sources_json(sources_);
  json tensors = json::array();
  for (const auto& e : entries_)
    tensors.push_back({{"name", e.name}, {"dtype", dtype_name(e.dtype)}, {"group", e.group}, {"shape", e.shape},
                       {"data", part_json(e.data)}, {"scales", part_json(e.scales)}});
  idx["tensors"] = std::move(tensors);
  idx["payload_hash"] = payload_hash(entries_);
  std::string text = idx.dump();
  std::span<const uint8_t> index_bytes{reinterpret_cast<const uint8_t*>(text.data()), text.size()};
  uint64_t index_offset = file_.size();
  file_.write(index_bytes);
  uint8_t h[kHeaderSize] = {};
  std::memcpy(h, kMagic, 8);
  put_u64(h + 8, kCacheFormatVersion);
  put_u64(h + 16, index_offset);
  put_u64(h + 24, index_bytes.size());
  put_u64(h + 32, xxh3_64(index_bytes));
  put_u64(h + 40, file_.size());
  put_u64(h + 48, xxh3_64({h, 48}));
  file_.write_at(0, {h, kHeaderSize});
  file_.commit();
}

}  // namespace vole::model
