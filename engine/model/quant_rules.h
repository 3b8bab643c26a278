#pragma once
// Which tensors Vole quantizes to Q4 and which stay in higher precision: each family
// declares one table (Family::quant_rules()), first matching pattern wins. Precision-sensitive or tiny tensors
// (norms, biases, Gated DeltaNet decay parameters, conv taps, the 16-row beta/alpha
// projections, the vision patch and position embeddings) stay as they are; big 2-D
// projections and the embedding / lm_head are quantized when their input dimension
// is a multiple of the group size.
//
// Bump kQuantRulesVersion whenever a table or the quantizer changes: it is part of
// the quantized cache's key, so old caches are rebuilt.
#include <span>
#include <string>
#include <string_view>

#include "model/tensor_specs.h"

namespace vole::model {

inline constexpr int kQuantRulesVersion = 1;

enum class Precision { Quantize, Keep };

struct QuantRule {
  const char* pattern;  // glob over the canonical name; '*' matches any run of characters
  Precision precision;
  const char* reason;
};

// The rule of `rules` that decides `name` (a table ends with a rule matching all).
const QuantRule& quant_rule(std::span<const QuantRule> rules, std::string_view name);

// True if a Q4 request for this tensor should produce Q4: its rule says Quantize, it
// is 2-D and `group_size` divides its input dimension. `why` receives the reason.
bool should_quantize(std::span<const QuantRule> rules, const TensorSpec& spec, int group_size,
                     std::string* why = nullptr);

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace vole::model
