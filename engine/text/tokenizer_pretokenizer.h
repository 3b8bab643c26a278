#pragma once
// tokenizer.json "pre_tokenizer": cuts normalized text into pieces that BPE encodes
// independently. Supported: Split (regex or literal pattern, every delimiter behavior,
// invert), ByteLevel (add_prefix_space, use_regex with the GPT-2 pattern) and Sequence.
// ByteLevel's byte -> character mapping itself is implicit: pieces stay raw bytes and
// the BPE model works on byte ids.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_json.h"
#include "text/tokenizer_regex.h"

namespace vole::text {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Pre-tokenizer output: pieces are byte ranges of `text` (a copy of the input, or a
// rewritten one when a step inserts prefix spaces).
struct PreTokenized {
  std::string text;
  std::vector<Span> pieces;
  std::string_view piece(size_t i) const { return std::string_view(text).substr(pieces[i].begin, pieces[i].end - pieces[i].begin); }
};

struct PreTokenizerScratch {
  RegexScratch regex;
  std::vector<Span> matches, next;
  std::string text;
};

class PreTokenizer {
 public:
  // `value` is the "pre_tokenizer" member (nullptr: the whole text is one piece).
  static PreTokenizer from_json(const Json* value, const JsonPath& at);

  void split(std::string_view text, PreTokenized& out, PreTokenizerScratch& scratch) const;
  // True if a ByteLevel step is present (required for a byte-level BPE vocabulary).
  bool has_byte_level() const { return has_byte_level_; }

 private:
  struct Step {
    enum class Kind { Split, PrefixSpace } kind;
    const Regex* regex = nullptr;  // Split: into regexes_
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
  };
  void add(const Json& value, const JsonPath& at);
  void add_split(const Regex& regex, SplitBehavior behavior, bool invert);

  std::vector<std::unique_ptr<Regex>> regexes_;
  std::vector<Step> steps_;
  bool has_byte_level_ = false;
};

// Cuts a piece of `length` bytes at `matches` (relative to the piece, ascending,
// non-overlapping) the way a Split with `behavior`/`invert` does; appends non-empty
// spans shifted by `offset`. Exposed for tests.
void split_by_matches(const std::vector<Span>& matches, size_t offset, size_t length, SplitBehavior behavior,
                      bool invert, std::vector<Span>& out);

}  // namespace vole::text
