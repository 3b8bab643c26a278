#pragma once
// tokenizer.json "post_processor": the special tokens encode() puts around a text when
// asked to (HF's add_special_tokens). TemplateProcessing's "single" template (e.g.
// "<bos> $A" or "<s> $A </s>"); ByteLevel, which changes no ids; a Sequence of these;
// null. Anything else is an Unsupported error naming it.
#include <cstdint>
#include <vector>

#include "text/tokenizer_json.h"

namespace vole::text {

class PostProcessor {
 public:
  // `value` is the "post_processor" member (nullptr or JSON null: adds nothing).
  static PostProcessor from_json(const Json* value, const JsonPath& at);

  // The ids before and after the text's own.
  const std::vector<int32_t>& prefix() const { return prefix_; }
  const std::vector<int32_t>& suffix() const { return suffix_; }

 private:
  void add(const Json& value, const JsonPath& at);
  void add_template(const Json& value, const JsonPath& at);

  std::vector<int32_t> prefix_, suffix_;
  bool has_template_ = false;
};

}  // namespace vole::text
