#include "memory/types.h"

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/json.h"

namespace vole::memory {

namespace {
constexpr std::string_view kRoleNames[] = {"system", "user", "assistant", "tool"};
constexpr std::string_view kStatusNames[] = {"complete", "streaming", "interrupted", "error", "cancelled"};

template <class Enum, size_t N>
Enum enum_from_name(const std::string_view (&names)[N], std::string_view name, const char* what) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<Enum>(i);
  fail(ErrorCode::InvalidFile, std::string("unknown message ") + what + " '" + std::string(name) + "' in the database");
}
}  // namespace

std::string_view role_name(Role role) { return kRoleNames[static_cast<int>(role)]; }
std::string_view status_name(MessageStatus status) { return kStatusNames[static_cast<int>(status)]; }
Role role_from_name(std::string_view name) { return enum_from_name<Role>(kRoleNames, name, "role"); }
MessageStatus status_from_name(std::string_view name) {
  return enum_from_name<MessageStatus>(kStatusNames, name, "status");
}

std::string stats_to_json(const MessageStats& s) {
  nlohmann::json j = nlohmann::json::object();
  if (s.prompt_tokens) j["prompt_tokens"] = *s.prompt_tokens;
  if (s.generated_tokens) j["generated_tokens"] = *s.generated_tokens;
  if (s.tokens_per_second) j["tokens_per_second"] = *s.tokens_per_second;
  if (s.time_to_first_token_ms) j["time_to_first_token_ms"] = *s.time_to_first_token_ms;
  if (s.model) j["model"] = *s.model;
  if (s.reasoning_ms) j["reasoning_ms"] = *s.reasoning_ms;
  return j.dump();
}

MessageStats stats_from_json(std::string_view text) {
  auto j = parse_json_or_discarded(text);
  if (!j.is_object())
    fail(ErrorCode::InvalidFile, "message stats are not a JSON object: " + std::string(text.substr(0, 80)));
  MessageStats s;
  auto num = [&](const char* key) -> const nlohmann::json* {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? &*it : nullptr;
  };
  if (auto* v = num("prompt_tokens")) s.prompt_tokens = v->get<int64_t>();
  if (auto* v = num("generated_tokens")) s.generated_tokens = v->get<int64_t>();
  if (auto* v = num("tokens_per_second")) s.tokens_per_second = v->get<double>();
  if (auto* v = num("time_to_first_token_ms")) s.time_to_first_token_ms = v->get<double>();
  if (auto it = j.find("model"); it != j.end() && it->is_string()) s.model = it->get<std::string>();
  if (auto* v = num("reasoning_ms")) s.reasoning_ms = v->get<double>();
  return s;
}

}  // namespace vole::memory
