#pragma once
// tokenizer.json "model" of type BPE over a byte-level vocabulary: a piece of raw
// bytes starts as one symbol per byte and adjacent symbols are merged, lowest merge
// rank first (leftmost first among equal ranks), until no merge applies. Results are
// cached per piece, which is what makes natural text fast (words repeat).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_json.h"
#include "text/tokenizer_tables.h"

namespace vole::text {

// (left id, right id) -> (rank, merged id), open addressing.
class MergeTable {
 public:
  struct Merge {
    int32_t rank;
    int32_t merged;
  };
  void reserve(size_t count);
  // A pair listed twice keeps its last rank (as HF tokenizers and transformers.js do).
  void insert(int32_t left, int32_t right, Merge merge);
  const Merge* find(int32_t left, int32_t right) const {
    if (slots_.empty()) return nullptr;
    uint64_t key = pack(left, right);
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.merge;
      if (s.key == kEmpty) return nullptr;
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~0ull;
  struct Slot {
    uint64_t key = kEmpty;
    Merge merge{};
  };
  static uint64_t pack(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }
  size_t slot_of(uint64_t key) const { return size_t((key * 0x9E3779B97F4A7C15ull) >> shift_); }
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
  int shift_ = 64;
};

// Reusable buffers for one encode call.
struct BpeScratch {
  struct Symbol {
    int32_t id, prev, next;
  };
  struct Candidate {
    int32_t rank, pos, left, right, merged;
  };
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
  std::vector<int32_t> ids;
};

class BpeModel {
 public:
  // `model` is tokenizer.json's "model" object, `tables` its vocab and merges.
  static BpeModel from_json(const Json& model, const BpeTables& tables, const JsonPath& at);

  // Appends the ids of one piece of raw bytes. Results are cached per thread (no locks;
  // a thread's cache, at most ~10 MB, serves the tokenizer it used last and lives until
  // the thread ends).
  void encode_piece(std::string_view bytes, std::vector<int32_t>& out, BpeScratch& scratch) const;
  // The same without the cache (what the cache stores; exposed for tests).
  void encode_piece_uncached(std::string_view bytes, std::vector<int32_t>& out, BpeScratch& scratch) const;

  // Vocabulary form ("Ġthe") <-> id.
  std::optional<int32_t> token_to_id(std::string_view vocab_form) const;
  std::optional<std::string_view> id_to_token(int32_t id) const;
  // One past the largest id in the vocabulary.
  int32_t id_limit() const { return static_cast<int32_t>(token_offsets_.size()) - 1; }
  size_t merge_count() const { return merges_.size(); }

 private:
  int32_t byte_symbol(uint8_t byte) const;

  StringIdTable vocab_;
  // Token strings by id: token_arena_[token_offsets_[id], token_offsets_[id + 1]).
  std::string token_arena_;
  std::vector<uint32_t> token_offsets_{0};
  std::vector<bool> has_id_;
  std::array<int32_t, 256> byte_ids_{};
  MergeTable merges_;
  std::string origin_;  // the file, for errors at encode time
  int32_t unk_id_ = -1;
  bool ignore_merges_ = false;
  StringIdTable raw_vocab_;  // raw bytes -> id, for ignore_merges
  uint64_t instance_ = 0;    // identifies this model to the per-thread caches
};

}  // namespace vole::text
