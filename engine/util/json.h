#pragma once
// JSON from outside Vole (model files, messages, tools, settings, hub answers) is parsed
// here, with its nesting bounded before the parser runs: a 70000-deep array would
// otherwise overflow the stack in the recursive copies and conversions that follow.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace vole {

// Enough for any real document (tool schemas nest a few levels); far below stack limits.
inline constexpr int kMaxJsonDepth = 128;

// Deepest bracket nesting in a JSON text, ignoring brackets inside strings (linear, no recursion).
int json_nesting_depth(std::string_view text);
// InvalidFile "<label>: JSON nested deeper than N levels" when it is.
void check_json_depth(std::string_view text, const std::string& label, int max_depth = kMaxJsonDepth);

// Parses `text`: depth checked first, then syntax; errors are InvalidFile naming `label`.
nlohmann::json parse_json_text(std::string_view text, const std::string& label, int max_depth = kMaxJsonDepth);
// The same, keeping object keys in their order (messages and tools are printed as written).
nlohmann::ordered_json parse_ordered_json_text(std::string_view text, const std::string& label,
                                               int max_depth = kMaxJsonDepth);
// For stored values that may be ignored when bad: a discarded value (is_discarded()) for
// invalid or too deeply nested text, never an exception.
nlohmann::json parse_json_or_discarded(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace vole
