#pragma once
// tokenizer.json "normalizer": the Unicode normalization forms (NFC, NFD, NFKC, NFKD)
// through ICU, Prepend (SentencePiece's "▁" before a non-empty text), Replace (a literal
// string or a regex, every match) and Sequence. Anything else is an Unsupported error
// naming it.
#include <unicode/normalizer2.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_json.h"
#include "text/tokenizer_replace.h"

namespace vole::text {

class Normalizer {
 public:
  Normalizer() = default;  // identity
  Normalizer(Normalizer&&) noexcept;
  Normalizer& operator=(Normalizer&&) noexcept;
  ~Normalizer();
  // `value` is the "normalizer" member (nullptr or JSON null: identity).
  static Normalizer from_json(const Json* value, const JsonPath& at);

  bool is_identity() const { return steps_.empty(); }
  // Normalizes `text` (valid UTF-8). Returns `text` itself when no step changes it,
  // otherwise a view of `storage`, which receives the result.
  std::string_view apply(std::string_view text, std::string& storage) const;
  std::string apply(std::string_view text) const;
  // The step names, e.g. {"NFC"} (for diagnostics and tests).
  const std::vector<std::string>& step_names() const { return names_; }

 private:
  struct Step {
    enum class Kind { Unicode, Prepend, Replace } kind;
    const icu::Normalizer2* form = nullptr;  // Unicode
    std::string prefix;                      // Prepend
    Replacement replace;                     // Replace
  };
  void add(const Json& value, const JsonPath& at);
  // Applies one step to `current`; true if it wrote a changed text to `out`.
  bool apply_step(const Step& step, std::string_view current, std::string& out) const;

  std::vector<Step> steps_;
  std::vector<std::string> names_;
};

}  // namespace vole::text
