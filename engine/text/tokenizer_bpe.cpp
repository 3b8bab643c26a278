#include "text/tokenizer_bpe.h"

#include <algorithm>
#include <cstdio>

#include "text/tokenizer_byte_level.h"
#include "util/error.h"

namespace vole::text {

void MergeTable::reserve(size_t count) {
  size_t cap = 16;
  while (cap < count * 2) cap <<= 1;
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  shift_ = 64 - __builtin_ctzll(cap);
  size_ = 0;
}

void MergeTable::insert(int32_t left, int32_t right, Merge merge) {
  if ((size_ + 1) * 2 > slots_.size()) {
    std::vector<Slot> old;
    old.swap(slots_);
    reserve(std::max<size_t>(size_ + 1, old.size()));
    for (const Slot& s : old)
      if (s.key != kEmpty) insert(int32_t(s.key >> 32), int32_t(s.key & 0xFFFFFFFFu), s.merge);
  }
  uint64_t key = pack(left, right);
  for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.key == key) {
      s.merge = merge;
      return;
    }
    if (s.key == kEmpty) {
      s.key = key;
      s.merge = merge;
      ++size_;
      return;
    }
  }
}

BpeModel::BpeModel() : cache_(std::make_unique<PieceCache>()) {}
BpeModel::~BpeModel() = default;
BpeModel::BpeModel(BpeModel&&) noexcept = default;
BpeModel& BpeModel::operator=(BpeModel&&) noexcept = default;

namespace {

// Options that change how words are built; Vole's byte-level BPE has none of them.
void reject_word_options(const Json& model, const JsonPath& at) {
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (const Json* v = json_optional(model, at, key)) {
      if (!json_string(*v, at / key).empty()) (at / key).unsupported(std::string("BPE ") + key + " is not supported");
    }
  }
  if (json_bool_or(model, at, "byte_fallback", false)) (at / "byte_fallback").unsupported("BPE byte_fallback is not supported");
  if (const Json* d = json_optional(model, at, "dropout")) {
    if (!d->is_number()) (at / "dropout").malformed("expected a number or null");
    if (d->get<double>() != 0.0) (at / "dropout").unsupported("BPE dropout is not supported");
  }
}

std::pair<std::string, std::string> merge_sides(const Json& m, const JsonPath& at) {
  if (m.is_string()) {
    // "a b": byte-level symbols never contain a space, so the first space separates.
    const std::string& s = m.get_ref<const std::string&>();
    size_t sp = s.find(' ');
    if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) at.malformed("merge \"" + s + "\" is not two tokens separated by one space");
    return {s.substr(0, sp), s.substr(sp + 1)};
  }
  if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) return {m[0].get<std::string>(), m[1].get<std::string>()};
  at.malformed("expected a merge as \"a b\" or [\"a\", \"b\"]");
}

}  // namespace

BpeModel BpeModel::from_json(const Json& model, const JsonPath& at) {
  BpeModel m;
  m.origin_ = at.file();
  if (const Json* type = json_optional(model, at, "type")) {
    const std::string& t = json_string(*type, at / "type");
    if (t != "BPE") (at / "type").unsupported("model type '" + t + "' is not supported (Vole implements BPE)");
  }
  reject_word_options(model, at);
  m.ignore_merges_ = json_bool_or(model, at, "ignore_merges", false);

  const Json& vocab = json_member(model, at, "vocab");
  if (!vocab.is_object()) (at / "vocab").malformed("expected an object of token -> id");
  m.vocab_.reserve(vocab.size());
  int64_t max_id = -1;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 || it.value().get<int64_t>() > INT32_MAX)
      (at / "vocab").malformed("id of token \"" + it.key() + "\" is not an integer in [0, 2^31)");
    max_id = std::max(max_id, it.value().get<int64_t>());
    m.vocab_.emplace(it.key(), static_cast<int32_t>(it.value().get<int64_t>()));
  }
  m.id_to_token_.resize(size_t(max_id + 1));
  m.has_id_.assign(size_t(max_id + 1), false);
  for (auto& [token, id] : m.vocab_) {
    if (m.has_id_[id]) (at / "vocab").malformed("id " + std::to_string(id) + " is used by \"" + m.id_to_token_[id] + "\" and \"" + token + "\"");
    m.has_id_[id] = true;
    m.id_to_token_[id] = token;
  }
  for (int b = 0; b < 256; ++b) {
    auto it = m.vocab_.find(bytes_to_vocab_form(std::string(1, char(b))));
    m.byte_ids_[b] = it == m.vocab_.end() ? -1 : it->second;
  }
  if (const Json* unk = json_optional(model, at, "unk_token")) {
    auto it = m.vocab_.find(json_string(*unk, at / "unk_token"));
    if (it != m.vocab_.end()) m.unk_id_ = it->second;
  }
  if (m.ignore_merges_) {
    std::string raw;
    for (auto& [token, id] : m.vocab_)
      if (vocab_form_to_bytes(token, raw)) m.raw_vocab_.emplace(raw, id);
  }

  const Json& merges = json_array(json_member(model, at, "merges"), at / "merges");
  m.merges_.reserve(merges.size());
  std::string joined;
  for (size_t i = 0; i < merges.size(); ++i) {
    JsonPath mp = (at / "merges")[i];
    auto [a, b] = merge_sides(merges[i], mp);
    auto ia = m.vocab_.find(a), ib = m.vocab_.find(b);
    if (ia == m.vocab_.end()) mp.malformed("merge token \"" + a + "\" is not in the vocabulary");
    if (ib == m.vocab_.end()) mp.malformed("merge token \"" + b + "\" is not in the vocabulary");
    joined = a + b;
    auto ij = m.vocab_.find(joined);
    if (ij == m.vocab_.end()) mp.malformed("merged token \"" + joined + "\" is not in the vocabulary");
    m.merges_.insert(ia->second, ib->second, {static_cast<int32_t>(i), ij->second});
  }
  return m;
}

int32_t BpeModel::byte_symbol(uint8_t byte) const {
  int32_t id = byte_ids_[byte];
  if (id >= 0) return id;
  if (unk_id_ >= 0) return unk_id_;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", byte);
  fail(ErrorCode::InvalidFile, origin_ + ": the vocabulary has no token for byte " + hex + " and no unk_token");
}

void BpeModel::encode_piece_uncached(std::string_view bytes, std::vector<int32_t>& out, BpeScratch& scratch) const {
  if (bytes.empty()) return;
  if (ignore_merges_) {
    auto it = raw_vocab_.find(bytes);
    if (it != raw_vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  auto& sym = scratch.symbols;
  auto& heap = scratch.heap;
  const int32_t n = static_cast<int32_t>(bytes.size());
  sym.resize(size_t(n));
  for (int32_t i = 0; i < n; ++i) sym[i] = {byte_symbol(uint8_t(bytes[i])), i - 1, i + 1 < n ? i + 1 : -1};

  // Min-heap of candidate merges by (rank, position). Entries go stale when a
  // neighbour merges; they are checked against the current symbols when popped.
  auto later = [](const BpeScratch::Candidate& x, const BpeScratch::Candidate& y) {
    return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos;
  };
  heap.clear();
  auto consider = [&](int32_t pos) {
    int32_t next = sym[pos].next;
    if (next < 0) return;
    if (const MergeTable::Merge* mg = merges_.find(sym[pos].id, sym[next].id)) {
      heap.push_back({mg->rank, pos, sym[pos].id, sym[next].id, mg->merged});
      std::push_heap(heap.begin(), heap.end(), later);
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    BpeScratch::Candidate c = heap.back();
    heap.pop_back();
    BpeScratch::Symbol& left = sym[c.pos];
    int32_t next = left.next;
    // A merged-away symbol has id -1, so a stale entry at its position fails here.
    if (left.id != c.left || next < 0 || sym[next].id != c.right) continue;
    left.id = c.merged;
    left.next = sym[next].next;
    if (left.next >= 0) sym[left.next].prev = c.pos;
    sym[next].id = -1;
    if (left.prev >= 0) consider(left.prev);
    consider(c.pos);
  }
  for (int32_t i = 0; i >= 0; i = sym[i].next) out.push_back(sym[i].id);
}

void BpeModel::encode_piece(std::string_view bytes, std::vector<int32_t>& out, BpeScratch& scratch) const {
  if (bytes.size() == 1) {
    out.push_back(byte_symbol(uint8_t(bytes[0])));
    return;
  }
  if (bytes.size() > kCacheMaxPieceBytes) {
    encode_piece_uncached(bytes, out, scratch);
    return;
  }
  {
    std::lock_guard lock(cache_->mutex);
    auto it = cache_->map.find(bytes);
    if (it != cache_->map.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  scratch.ids.clear();
  encode_piece_uncached(bytes, scratch.ids, scratch);
  out.insert(out.end(), scratch.ids.begin(), scratch.ids.end());
  std::lock_guard lock(cache_->mutex);
  if (cache_->map.size() >= kCacheMaxEntries) cache_->map.clear();
  cache_->map.emplace(std::string(bytes), scratch.ids);
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view vocab_form) const {
  auto it = vocab_.find(vocab_form);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || id >= id_limit() || !has_id_[size_t(id)]) return nullptr;
  return &id_to_token_[size_t(id)];
}

}  // namespace vole::text
