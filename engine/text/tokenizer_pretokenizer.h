#pragma once
// tokenizer.json "pre_tokenizer": cuts normalized text into pieces that BPE encodes
// independently. Supported: Split (regex or literal pattern, every delimiter behavior,
// invert), ByteLevel (add_prefix_space, use_regex with the GPT-2 pattern), Metaspace
// (spaces become the replacement character, prepend_scheme always/first/never, split)
// and Sequence. ByteLevel's byte -> character mapping itself is implicit: pieces stay raw
// bytes and the BPE model works on byte ids. Pieces are streamed to a callback as they
// are found, so memory stays flat however long the text.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_json.h"
#include "text/tokenizer_regex.h"

namespace vole::text {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// A non-owning reference to a callable taking one piece (cheaper than std::function).
class PieceFn {
 public:
  template <class F>
  PieceFn(F& f) : object_(&f), call_([](void* o, std::string_view p) { (*static_cast<F*>(o))(p); }) {}
  void operator()(std::string_view piece) const { call_(object_, piece); }

 private:
  void* object_;
  void (*call_)(void*, std::string_view);
};

// Per-call buffers (one set per pipeline step: steps run nested).
struct PreTokenizerScratch {
  std::vector<std::unique_ptr<RegexScratch>> regex;
  std::vector<std::string> rewritten;  // per step: the piece after PrefixSpace / Metaspace
};

class PreTokenizer {
 public:
  // `value` is the "pre_tokenizer" member (nullptr: the whole text is one piece).
  static PreTokenizer from_json(const Json* value, const JsonPath& at);

  // Calls `emit` with each non-empty piece of `text`, in order. `at_input_start`: `text`
  // begins at the first byte of the input (Metaspace's prepend_scheme "first").
  void for_each_piece(std::string_view text, PreTokenizerScratch& scratch, const PieceFn& emit,
                      bool at_input_start = true) const;
  // True if a ByteLevel step is present (required for a byte-level BPE vocabulary).
  bool has_byte_level() const { return has_byte_level_; }

 private:
  enum class Prepend { Always, First, Never };
  struct Step {
    enum class Kind { Split, PrefixSpace, Metaspace } kind;
    const Regex* regex = nullptr;  // Split, Metaspace with split: into regexes_
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
    std::string replacement;  // Metaspace
    Prepend prepend = Prepend::Always;
  };
  void add(const Json& value, const JsonPath& at);
  void add_split(const Regex& regex, SplitBehavior behavior, bool invert);
  void add_metaspace(const Json& value, const JsonPath& at);
  void run(size_t step, std::string_view piece, bool at_start, PreTokenizerScratch& scratch, const PieceFn& emit) const;
  void split(size_t index, std::string_view piece, bool at_start, PreTokenizerScratch& scratch,
             const PieceFn& emit) const;

  std::vector<std::unique_ptr<Regex>> regexes_;
  std::vector<Step> steps_;
  bool has_byte_level_ = false;
};

// Cuts a piece of `length` bytes at `matches` (relative to the piece, ascending,
// non-overlapping) the way a Split with `behavior`/`invert` does; appends the non-empty
// pieces shifted by `offset`. The streaming cutter behind for_each_piece, exposed for tests.
void split_by_matches(const std::vector<Span>& matches, size_t offset, size_t length, SplitBehavior behavior,
                      bool invert, std::vector<Span>& out);

}  // namespace vole::text
