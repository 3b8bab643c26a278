#include "model/quant_rules.h"

#include "util/error.h"

namespace vole::model {

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative wildcard match with backtracking to the last '*'.
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi, ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

const QuantRule& quant_rule(std::span<const QuantRule> rules, std::string_view name) {
  require(!rules.empty(), "a quantization rule table is empty");
  for (const auto& r : rules)
    if (glob_match(r.pattern, name)) return r;
  return rules.back();
}

bool should_quantize(std::span<const QuantRule> rules, const TensorSpec& spec, int group_size, std::string* why) {
  const QuantRule& rule = quant_rule(rules, spec.name);
  auto say = [&](const std::string& s) {
    if (why) *why = s;
  };
  if (rule.precision == Precision::Keep) {
    say(std::string("kept: ") + rule.reason);
    return false;
  }
  if (spec.shape.size() != 2) {
    say("kept: not 2-D");
    return false;
  }
  if (group_size <= 0 || spec.shape[1] % group_size != 0) {
    say("kept: input dimension " + std::to_string(spec.shape[1]) + " is not a multiple of " +
        std::to_string(group_size));
    return false;
  }
  say(std::string("quantized: ") + rule.reason);
  return true;
}

}  // namespace vole::model
