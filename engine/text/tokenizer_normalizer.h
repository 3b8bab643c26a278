#pragma once
// tokenizer.json "normalizer": the Unicode normalization forms (NFC, NFD, NFKC, NFKD)
// through ICU, alone or in a Sequence. Anything else is an Unsupported error naming it.
#include <unicode/normalizer2.h>

#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer_json.h"

namespace vole::text {

class Normalizer {
 public:
  Normalizer() = default;  // identity
  // `value` is the "normalizer" member (nullptr or JSON null: identity).
  static Normalizer from_json(const Json* value, const JsonPath& at);

  bool is_identity() const { return steps_.empty(); }
  // Normalizes `text` (valid UTF-8). Returns `text` itself when it is already normal,
  // otherwise a view of `storage`, which receives the result.
  std::string_view apply(std::string_view text, std::string& storage) const;
  std::string apply(std::string_view text) const;
  // The step names, e.g. {"NFC"} (for diagnostics and tests).
  const std::vector<std::string>& step_names() const { return names_; }

 private:
  void add(const Json& value, const JsonPath& at);
  std::vector<const icu::Normalizer2*> steps_;
  std::vector<std::string> names_;
};

}  // namespace vole::text
