#pragma once
// HF's Replace, shared by the normalizer and the decoder: {"pattern": {"String": s} or
// {"Regex": r}, "content": c} replaces every non-overlapping match, leftmost first.
#include <memory>
#include <string>
#include <string_view>

#include "text/tokenizer_json.h"
#include "text/tokenizer_regex.h"

namespace vole::text {

class Replacement {
 public:
  // `value` is the Replace component (its "pattern" and "content").
  static Replacement from_json(const Json& value, const JsonPath& at);

  // Writes `text` with every match replaced to `out`; false (and `out` untouched) if
  // nothing matches.
  bool apply(std::string_view text, std::string& out) const;

 private:
  std::string literal_;           // a String pattern
  std::shared_ptr<Regex> regex_;  // a Regex pattern
  std::string content_;
};

}  // namespace vole::text
