#pragma once
// PCRE2 (UTF + Unicode properties, JIT-compiled) for the pre-tokenizer's splitting
// patterns. Patterns in tokenizer.json are written for Oniguruma, which Hugging Face
// tokenizers runs them with; the one dialect difference that matters for real
// patterns is \s: Oniguruma's is the Unicode White_Space property (it includes U+0085,
// not U+180E), PCRE2's is not, so \s and \S are rewritten to \p{White_Space}.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vole::text {

struct Span {
  size_t begin;
  size_t end;
};

// Per-call match state: a Regex is shared between threads, this is not.
class RegexScratch {
 public:
  RegexScratch();
  ~RegexScratch();
  RegexScratch(const RegexScratch&) = delete;
  RegexScratch& operator=(const RegexScratch&) = delete;

 private:
  friend class Regex;
  struct State;
  std::unique_ptr<State> state_;
};

class Regex {
 public:
  enum class Syntax { Pattern, Literal };
  // `what` names the pattern's origin in errors (InvalidFile for a pattern that does not
  // compile).
  Regex(std::string_view pattern, Syntax syntax, const std::string& what);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // The leftmost match in `subject` (valid UTF-8) starting at or after `start`.
  bool search(std::string_view subject, size_t start, RegexScratch& scratch, Span& match) const;
  // Appends all matches, as MatchIterator yields them.
  void find_all(std::string_view subject, std::vector<Span>& out, RegexScratch& scratch) const;

  const std::string& pattern() const { return source_; }

 private:
  struct Code;
  std::unique_ptr<Code> code_;
  std::string source_;
};

// The non-overlapping matches in a subject, leftmost first. An empty match advances the
// search by one character and is dropped when it touches the previous match (the
// iteration rule of the Rust regex crates behind HF tokenizers).
class MatchIterator {
 public:
  MatchIterator(const Regex& regex, std::string_view subject, RegexScratch& scratch)
      : regex_(regex), subject_(subject), scratch_(scratch) {}
  bool next(Span& match);

 private:
  const Regex& regex_;
  std::string_view subject_;
  RegexScratch& scratch_;
  size_t pos_ = 0;
  size_t last_end_ = SIZE_MAX;
  bool done_ = false;
};

// The Oniguruma -> PCRE2 rewrite described above (exposed for tests).
std::string translate_hf_pattern(std::string_view pattern);

}  // namespace vole::text
