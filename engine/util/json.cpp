#include "util/json.h"

#include <algorithm>

#include "util/error.h"

namespace vole {

int json_nesting_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{')
      deepest = std::max(deepest, ++depth);
    else if (c == ']' || c == '}')
      --depth;
  }
  return deepest;
}

void check_json_depth(std::string_view text, const std::string& label, int max_depth) {
  if (json_nesting_depth(text) > max_depth)
    fail(ErrorCode::InvalidFile, label + ": JSON nested deeper than " + std::to_string(max_depth) + " levels");
}

namespace {
template <typename Json>
Json parse_checked(std::string_view text, const std::string& label, int max_depth) {
  check_json_depth(text, label, max_depth);
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::InvalidFile, label + ": not valid JSON (" + e.what() + ")");
  }
}
}  // namespace

nlohmann::json parse_json_text(std::string_view text, const std::string& label, int max_depth) {
  return parse_checked<nlohmann::json>(text, label, max_depth);
}

nlohmann::ordered_json parse_ordered_json_text(std::string_view text, const std::string& label, int max_depth) {
  return parse_checked<nlohmann::ordered_json>(text, label, max_depth);
}

nlohmann::json parse_json_or_discarded(std::string_view text, int max_depth) {
  if (json_nesting_depth(text) > max_depth) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

}  // namespace vole
