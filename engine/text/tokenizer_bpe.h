#pragma once
// tokenizer.json "model" of type BPE. A piece starts as one symbol per input unit and
// adjacent symbols are merged, lowest merge rank first (leftmost first among equal
// ranks), until no merge applies. The input unit is the only difference between the
// two kinds of vocabulary (the merge core is shared):
//   - ByteLevel (GPT-2 style, after a ByteLevel pre-tokenizer): one symbol per byte;
//   - Characters (SentencePiece style): one symbol per character; a character missing
//     from the vocabulary becomes its UTF-8 bytes as "<0xNN>" tokens (byte_fallback), or
//     the unk token (consecutive ones fused with fuse_unk), or nothing, as in HF.
// Results are cached per piece, which is what makes natural text fast (words repeat).
// A Characters piece without pre-tokenization (a whole SentencePiece sentence) is cut
// before each "▁" word marker where the vocabulary proves that no token can span the
// cut (no token holds the text of the symbol before the cut followed by "▁"), so words
// are cached too; the ids are the same as for the uncut piece.
#include <array>
#include <atomic>
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
  // The caller's stop flag (Stop, Quit, Ctrl+C), looked at every few hundred words, so a
  // huge prompt stops tokenising promptly (Cancelled).
  const std::atomic<bool>* cancel = nullptr;
  uint32_t words_since_check = 0;
  void check_cancel();
};

enum class BpeInput { ByteLevel, Characters };

class BpeModel {
 public:
  // `model` is tokenizer.json's "model" object, `tables` its vocab and merges; `input`
  // follows from the pre-tokenizer (ByteLevel or not).
  static BpeModel from_json(const Json& model, const BpeTables& tables, const JsonPath& at, BpeInput input);

  // Appends the ids of one piece (raw bytes for ByteLevel, UTF-8 text for Characters).
  // Results are cached per thread (no locks; a thread's cache, at most ~10 MB, serves the
  // tokenizer it used last and lives until the thread ends).
  void encode_piece(std::string_view piece, std::vector<int32_t>& out, BpeScratch& scratch) const;
  // One piece without the cache and without cutting at word markers (exposed for tests).
  void encode_piece_uncached(std::string_view piece, std::vector<int32_t>& out, BpeScratch& scratch) const;

  // Vocabulary form ("Ġthe") <-> id.
  std::optional<int32_t> token_to_id(std::string_view vocab_form) const;
  std::optional<std::string_view> id_to_token(int32_t id) const;
  // One past the largest id in the vocabulary.
  int32_t id_limit() const { return static_cast<int32_t>(token_offsets_.size()) - 1; }
  size_t merge_count() const { return merges_.size(); }
  BpeInput input() const { return input_; }
  // True if Characters pieces are cut before word markers (see above).
  bool cuts_at_word_markers() const { return !word_marker_.empty(); }

 private:
  int32_t byte_symbol(uint8_t byte) const;
  void find_byte_level_symbols();
  void find_character_symbols(const std::vector<std::pair<int32_t, std::string_view>>& by_id);
  // The initial symbols of a piece (their ids; merge() links them).
  void byte_level_symbols(std::string_view bytes, std::vector<BpeScratch::Symbol>& symbols) const;
  void character_symbols(std::string_view text, std::vector<BpeScratch::Symbol>& symbols) const;
  int32_t char_id(std::string_view ch) const;
  // Merges `scratch.symbols` and appends the result (the shared BPE core).
  void merge(std::vector<int32_t>& out, BpeScratch& scratch) const;
  // encode_piece for a piece that is not cut further.
  void encode_word(std::string_view piece, std::vector<int32_t>& out, BpeScratch& scratch) const;
  bool cut_before(std::string_view piece, size_t pos) const;

  StringIdTable vocab_;
  // Token strings by id: token_arena_[token_offsets_[id], token_offsets_[id + 1]).
  std::string token_arena_;
  std::vector<uint32_t> token_offsets_{0};
  std::vector<bool> has_id_;
  BpeInput input_ = BpeInput::ByteLevel;
  std::array<int32_t, 256> byte_ids_{};      // ByteLevel: the symbol of each byte
  std::array<int32_t, 256> fallback_ids_{};  // Characters: "<0xNN>" tokens (-1: none)
  std::array<int32_t, 128> ascii_ids_{};     // Characters: single-character tokens of ASCII
  MergeTable merges_;
  std::string origin_;  // the file, for errors at encode time
  std::string unk_token_;
  int32_t unk_id_ = -1;
  bool byte_fallback_ = false, fuse_unk_ = false;
  bool all_bytes_fall_back_ = false;  // Characters: every byte has its "<0xNN>" token
  bool ignore_merges_ = false;
  StringIdTable raw_vocab_;            // ByteLevel: raw bytes -> id, for ignore_merges
  std::string word_marker_;            // Characters: "▁" when pieces are cut before it
  std::vector<char32_t> marker_glue_;  // characters some token joins to a following marker (sorted)
  uint64_t instance_ = 0;              // identifies this model to the per-thread caches
};

}  // namespace vole::text
