#pragma once
// Added tokens (tokenizer.json "added_tokens": the special tokens and any extra ones)
// are found as whole strings before normalization and BPE, with Hugging Face's rules:
// leftmost-longest matching; `single_word` rejects a match touching a word character;
// `lstrip`/`rstrip` absorb the whitespace around the match; tokens with `normalized`
// are matched in the normalized text instead of the raw text.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_tables.h"

namespace vole::text {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;  // skipped by decode(skip_special); parsing can be turned off
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;  // matched after normalization
};

class AddedTokenMatcher {
 public:
  struct Match {
    size_t begin, end;  // bytes of the text the token stands for (including stripped spaces)
    int32_t id;
  };

  // Adds `token`, to be found as `pattern` (its content, or the normalized content).
  // The matcher keeps a pointer: `token` must outlive it.
  void add(const AddedToken& token, std::string pattern);
  bool empty() const { return entries_.empty(); }

  // Appends the matches in `text` (valid UTF-8), in order and non-overlapping. With
  // `include_special` false, a special token found is left as text.
  void find(std::string_view text, bool include_special, std::vector<Match>& out) const;

 private:
  struct Entry {
    std::string pattern;
    const AddedToken* token;
  };
  std::vector<Entry> entries_;
  StringIdTable by_pattern_;  // pattern -> entry (the first entry of a pattern added twice)
  // Pattern lengths by first byte, longest first: a position is tried with each (Gemma
  // has 6k added tokens starting with '<', in a dozen lengths).
  std::array<std::vector<uint32_t>, 256> lengths_;
  // The first two bytes of the patterns (a bit per pair), and the one-byte patterns: most
  // positions are ruled out by one bit.
  std::vector<uint64_t> first_pairs_ = std::vector<uint64_t>(1024);
  std::array<bool, 256> single_byte_{};
};

}  // namespace vole::text
