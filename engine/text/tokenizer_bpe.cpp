#include "text/tokenizer_bpe.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "text/tokenizer_byte_level.h"
#include "text/utf8.h"
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

namespace {

// Options that change how words are built; Vole implements neither.
void reject_word_options(const Json& model, const JsonPath& at) {
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (const Json* v = json_optional(model, at, key)) {
      if (!json_string(*v, at / key).empty()) (at / key).unsupported(std::string("BPE ") + key + " is not supported");
    }
  }
  if (const Json* d = json_optional(model, at, "dropout")) {
    if (!d->is_number()) (at / "dropout").malformed("expected a number or null");
    if (d->get<double>() != 0.0) (at / "dropout").unsupported("BPE dropout is not supported");
  }
}

constexpr std::string_view kWordMarker = "\xE2\x96\x81";  // U+2581, SentencePiece's space

std::string fallback_token(uint8_t byte) {
  char name[8];
  std::snprintf(name, sizeof name, "<0x%02X>", byte);
  return name;
}

// Merge `index` of `merges_at` (the path is built only for an error: there are many).
std::pair<std::string_view, std::string_view> merge_sides(const BpeTables& t, size_t index, const JsonPath& merges_at) {
  const BpeTables::Merge& m = t.merges[index];
  if (m.form == BpeTables::MergeForm::Joined) {
    // "a b": tokens of a vocabulary written this way never contain a space, so the one
    // space separates.
    std::string_view s = t.str(m.a_offset, m.a_length);
    size_t sp = s.find(' ');
    if (sp == std::string_view::npos || s.find(' ', sp + 1) != std::string_view::npos)
      merges_at[index].malformed("merge \"" + std::string(s) + "\" is not two tokens separated by one space");
    return {s.substr(0, sp), s.substr(sp + 1)};
  }
  if (m.form == BpeTables::MergeForm::Pair) return {t.str(m.a_offset, m.a_length), t.str(m.b_offset, m.b_length)};
  merges_at[index].malformed("expected a merge as \"a b\" or [\"a\", \"b\"]");
}

uint64_t next_instance() {
  static std::atomic<uint64_t> counter{0};
  return ++counter;
}

// The piece cache of this thread and the model it belongs to.
struct ThreadCache {
  uint64_t owner = 0;
  PieceCache cache;
};
thread_local ThreadCache t_cache;

}  // namespace

BpeModel BpeModel::from_json(const Json& model, const BpeTables& tables, const JsonPath& at, BpeInput input) {
  BpeModel m;
  m.origin_ = at.file();
  m.instance_ = next_instance();
  m.input_ = input;
  if (const Json* type = json_optional(model, at, "type")) {
    const std::string& t = json_string(*type, at / "type");
    if (t != "BPE") (at / "type").unsupported("model type '" + t + "' is not supported (Vole implements BPE)");
  }
  reject_word_options(model, at);
  m.ignore_merges_ = json_bool_or(model, at, "ignore_merges", false);
  m.byte_fallback_ = json_bool_or(model, at, "byte_fallback", false);
  m.fuse_unk_ = json_bool_or(model, at, "fuse_unk", false);

  // A vocab or merges value of the wrong type stays in the DOM: report it from there.
  if (!tables.vocab_is_object) {
    json_member(model, at, "vocab");
    (at / "vocab").malformed("expected an object of token -> id");
  }
  if (!tables.merges_is_array) json_array(json_member(model, at, "merges"), at / "merges");
  m.vocab_.reserve(tables.vocab.size());
  std::vector<std::pair<int32_t, std::string_view>> by_id;
  by_id.reserve(tables.vocab.size());
  for (const auto& e : tables.vocab) {
    std::string_view token = tables.str(e.offset, e.length);
    if (e.id < 0 || e.id >= INT32_MAX)
      (at / "vocab").malformed("id of token \"" + std::string(token) + "\" is not an integer in [0, 2^31)");
    if (!m.vocab_.insert(token, static_cast<int32_t>(e.id)))
      (at / "vocab").malformed("token \"" + std::string(token) + "\" is listed twice");
    by_id.emplace_back(static_cast<int32_t>(e.id), token);
  }
  std::sort(by_id.begin(), by_id.end());
  int32_t limit = by_id.empty() ? 0 : by_id.back().first + 1;
  m.has_id_.assign(size_t(limit), false);
  m.token_offsets_.assign(size_t(limit) + 1, 0);
  size_t next = 0;
  for (int32_t id = 0; id < limit; ++id) {
    m.token_offsets_[size_t(id)] = static_cast<uint32_t>(m.token_arena_.size());
    if (next < by_id.size() && by_id[next].first == id) {
      if (next + 1 < by_id.size() && by_id[next + 1].first == id)
        (at / "vocab")
            .malformed("id " + std::to_string(id) + " is used by \"" + std::string(by_id[next].second) + "\" and \"" +
                       std::string(by_id[next + 1].second) + "\"");
      m.token_arena_ += by_id[next++].second;
      m.has_id_[size_t(id)] = true;
    }
  }
  m.token_offsets_[size_t(limit)] = static_cast<uint32_t>(m.token_arena_.size());
  if (m.token_arena_.size() > UINT32_MAX) (at / "vocab").malformed("vocabulary too large");

  if (const Json* unk = json_optional(model, at, "unk_token")) {
    m.unk_token_ = json_string(*unk, at / "unk_token");
    m.unk_id_ = m.vocab_.find(m.unk_token_);
  }
  if (input == BpeInput::ByteLevel) {
    m.find_byte_level_symbols();
    if (m.ignore_merges_) {
      std::string raw;
      for (const auto& [id, token] : by_id)
        if (vocab_form_to_bytes(token, raw)) m.raw_vocab_.insert(raw, id);
    }
  } else {
    m.find_character_symbols(by_id);
  }

  m.merges_.reserve(tables.merges.size());
  std::string joined;
  JsonPath merges_at = at / "merges";
  for (size_t i = 0; i < tables.merges.size(); ++i) {
    auto [a, b] = merge_sides(tables, i, merges_at);
    int32_t ia = m.vocab_.find(a), ib = m.vocab_.find(b);
    joined.assign(a);
    joined.append(b);
    int32_t ij = m.vocab_.find(joined);
    if (ia < 0 || ib < 0 || ij < 0) {
      std::string missing = ia < 0 ? std::string(a) : ib < 0 ? std::string(b) : joined;
      merges_at[i].malformed((ia < 0 || ib < 0 ? "merge token \"" : "merged token \"") + missing +
                             "\" is not in the vocabulary");
    }
    m.merges_.insert(ia, ib, {static_cast<int32_t>(i), ij});
  }
  return m;
}

void BpeModel::find_byte_level_symbols() {
  for (int b = 0; b < 256; ++b) byte_ids_[b] = vocab_.find(bytes_to_vocab_form(std::string(1, char(b))));
}

void BpeModel::find_character_symbols(const std::vector<std::pair<int32_t, std::string_view>>& by_id) {
  for (int b = 0; b < 256; ++b) fallback_ids_[b] = byte_fallback_ ? vocab_.find(fallback_token(uint8_t(b))) : -1;
  all_bytes_fall_back_ = std::all_of(fallback_ids_.begin(), fallback_ids_.end(), [](int32_t id) { return id >= 0; });
  for (int c = 0; c < 128; ++c) ascii_ids_[c] = vocab_.find(std::string(1, char(c)));
  // Cutting a piece before a word marker that follows character c cannot change the
  // result when no token holds c followed by the marker: no merge can then join the two
  // sides. ignore_merges looks the whole piece up, so it rules cutting out.
  if (ignore_merges_ || vocab_.find(kWordMarker) < 0) return;
  for (const auto& [id, token] : by_id) {
    for (size_t at = token.find(kWordMarker, 1); at != std::string_view::npos; at = token.find(kWordMarker, at + 1)) {
      char32_t before = last_code_point(token.substr(0, at));
      if (before != 0x2581) marker_glue_.push_back(before);
    }
  }
  std::sort(marker_glue_.begin(), marker_glue_.end());
  marker_glue_.erase(std::unique(marker_glue_.begin(), marker_glue_.end()), marker_glue_.end());
  word_marker_ = kWordMarker;
}

int32_t BpeModel::byte_symbol(uint8_t byte) const {
  int32_t id = byte_ids_[byte];
  if (id >= 0) return id;
  if (unk_id_ >= 0) return unk_id_;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", byte);
  fail(ErrorCode::InvalidFile, origin_ + ": the vocabulary has no token for byte " + hex + " and no unk_token");
}

int32_t BpeModel::char_id(std::string_view ch) const {
  if (ch.size() == 1 && uint8_t(ch[0]) < 128) return ascii_ids_[uint8_t(ch[0])];
  return vocab_.find(ch);
}

void BpeModel::byte_level_symbols(std::string_view bytes, std::vector<BpeScratch::Symbol>& symbols) const {
  symbols.resize(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    int32_t id = byte_ids_[uint8_t(bytes[i])];
    symbols[i].id = id >= 0 ? id : byte_symbol(uint8_t(bytes[i]));
  }
}

void BpeModel::character_symbols(std::string_view text, std::vector<BpeScratch::Symbol>& symbols) const {
  // HF's order, including its quirk: byte tokens of an unknown character do not flush
  // a pending unk, a known character does.
  symbols.clear();
  auto add = [&](int32_t id) { symbols.push_back({id, 0, 0}); };
  bool pending_unk = false;
  for (size_t pos = 0; pos < text.size();) {
    size_t len = decode_utf8_char(text.substr(pos)).length;
    std::string_view ch = text.substr(pos, len);
    pos += len;
    if (int32_t id = char_id(ch); id >= 0) {
      if (pending_unk) add(unk_id_);
      pending_unk = false;
      add(id);
      continue;
    }
    if (byte_fallback_ && std::all_of(ch.begin(), ch.end(), [&](char b) { return fallback_ids_[uint8_t(b)] >= 0; })) {
      for (char b : ch) add(fallback_ids_[uint8_t(b)]);
      continue;
    }
    if (unk_token_.empty()) continue;  // no unk token: HF drops the character
    if (unk_id_ < 0)
      fail(ErrorCode::InvalidFile, origin_ + ": unk_token \"" + unk_token_ + "\" is not in the vocabulary");
    if (pending_unk && fuse_unk_) continue;
    if (pending_unk) add(unk_id_);
    pending_unk = true;
  }
  if (pending_unk) add(unk_id_);
}

void BpeModel::merge(std::vector<int32_t>& out, BpeScratch& scratch) const {
  auto& sym = scratch.symbols;
  auto& heap = scratch.heap;
  if (sym.size() > size_t(INT32_MAX)) fail(ErrorCode::InvalidArgument, "a pre-tokenized piece longer than 2 GiB");
  const int32_t n = static_cast<int32_t>(sym.size());
  if (n == 0) return;
  for (int32_t i = 0; i < n; ++i) sym[i].prev = i - 1, sym[i].next = i + 1 < n ? i + 1 : -1;

  // Min-heap of candidate merges by (rank, position). Entries go stale when a
  // neighbour merges; they are checked against the current symbols when popped.
  auto later = [](const BpeScratch::Candidate& x, const BpeScratch::Candidate& y) {
    return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos;
  };
  heap.clear();
  auto candidate = [&](int32_t pos) {
    int32_t next = sym[pos].next;
    if (next < 0) return false;
    const MergeTable::Merge* mg = merges_.find(sym[pos].id, sym[next].id);
    if (!mg) return false;
    heap.push_back({mg->rank, pos, sym[pos].id, sym[next].id, mg->merged});
    return true;
  };
  for (int32_t i = 0; i + 1 < n; ++i) candidate(i);
  std::make_heap(heap.begin(), heap.end(), later);
  auto consider = [&](int32_t pos) {
    if (candidate(pos)) std::push_heap(heap.begin(), heap.end(), later);
  };
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

void BpeModel::encode_piece_uncached(std::string_view piece, std::vector<int32_t>& out, BpeScratch& scratch) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    int32_t whole = input_ == BpeInput::ByteLevel ? raw_vocab_.find(piece) : vocab_.find(piece);
    if (whole >= 0) {
      out.push_back(whole);
      return;
    }
  }
  if (input_ == BpeInput::ByteLevel)
    byte_level_symbols(piece, scratch.symbols);
  else
    character_symbols(piece, scratch.symbols);
  merge(out, scratch);
}

// Inline: for byte-level vocabularies this is all encode_piece does.
[[gnu::always_inline]] inline void BpeModel::encode_word(std::string_view piece, std::vector<int32_t>& out,
                                                         BpeScratch& scratch) const {
  if (piece.size() == 1 && input_ == BpeInput::ByteLevel) {
    out.push_back(byte_symbol(uint8_t(piece[0])));
    return;
  }
  if (piece.size() > PieceCache::kMaxPieceBytes) {
    encode_piece_uncached(piece, out, scratch);
    return;
  }
  ThreadCache& tc = t_cache;
  if (tc.owner != instance_) {
    tc.cache.clear();
    tc.owner = instance_;
  }
  uint64_t h = hash_bytes(piece);
  if (tc.cache.lookup(piece, h, out)) return;
  size_t start = out.size();
  encode_piece_uncached(piece, out, scratch);
  tc.cache.insert(piece, h, std::span<const int32_t>(out).subspan(start));
}

bool BpeModel::cut_before(std::string_view piece, size_t pos) const {
  std::string_view before = piece.substr(0, pos);
  if (before.ends_with(word_marker_)) return false;
  size_t len = 1;
  while (len < before.size() && len < 4 && (uint8_t(before[before.size() - len]) & 0xC0) == 0x80) ++len;
  std::string_view ch = before.substr(before.size() - len);
  if (!is_valid_utf8(ch)) return false;
  // The last symbol before the cut is the character itself if it is a token; else, when
  // every byte has a "<0xNN>" token, byte tokens (never unk), whose text ends with '>'.
  char32_t last = char_id(ch) >= 0 ? decode_utf8_char(ch).code_point : all_bytes_fall_back_ ? U'>' : 0;
  return last != 0 && !std::binary_search(marker_glue_.begin(), marker_glue_.end(), last);
}

void BpeScratch::check_cancel() {
  if (!cancel || ++words_since_check < 256) return;
  words_since_check = 0;
  if (cancel->load(std::memory_order_relaxed)) fail(ErrorCode::Cancelled, "tokenising the prompt was cancelled");
}

void BpeModel::encode_piece(std::string_view piece, std::vector<int32_t>& out, BpeScratch& scratch) const {
  scratch.check_cancel();
  if (word_marker_.empty()) {
    encode_word(piece, out, scratch);
    return;
  }
  size_t start = 0;
  for (size_t at = piece.find(word_marker_, 1); at != std::string_view::npos;
       at = piece.find(word_marker_, at + word_marker_.size())) {
    if (!cut_before(piece, at)) continue;
    scratch.check_cancel();  // a SentencePiece sentence is one piece however long
    encode_word(piece.substr(start, at - start), out, scratch);
    start = at;
  }
  encode_word(piece.substr(start), out, scratch);
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view vocab_form) const {
  int32_t id = vocab_.find(vocab_form);
  if (id < 0) return std::nullopt;
  return id;
}

std::optional<std::string_view> BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || id >= id_limit() || !has_id_[size_t(id)]) return std::nullopt;
  size_t b = token_offsets_[size_t(id)], e = token_offsets_[size_t(id) + 1];
  return std::string_view(token_arena_).substr(b, e - b);
}

}  // namespace vole::text
