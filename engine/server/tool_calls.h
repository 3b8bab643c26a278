#pragma once
// The model's own tool-call syntax, read back into OpenAI's `tool_calls`. Qwen-style
// chat templates ask the model to answer a call as a <tool_call> ... </tool_call> block
// whose body is either JSON ({"name": ..., "arguments": {...}}, Qwen3) or tagged
// parameters (<function=NAME><parameter=P>value</parameter></function>, Qwen3.5); both
// are recognised by their first character, so no model needs naming. An answer whose
// calls do not parse, or that goes on with text after them, stays plain content: a
// model's slip is the client's to see, never a server error.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vole::server {

struct ToolCall {
  std::string id;  // "call_..." (fresh per call)
  std::string name;
  std::string arguments;  // a JSON object, as text (OpenAI's shape)
};

struct ToolAnswer {
  std::string content;  // the text before the calls (all of it when there are none)
  std::vector<ToolCall> calls;
};

// One block's body (between the tags). `tools` (the request's definitions) gives the
// parameter types that decide how a tagged value is read; nullopt when it is malformed.
std::optional<ToolCall> parse_tool_call(std::string_view body, const nlohmann::ordered_json& tools);

// A whole answer split into its text and calls.
ToolAnswer parse_tool_answer(std::string_view answer, const nlohmann::ordered_json& tools);

// The streamed form: text is passed on until a block may be starting, then held until
// the end, when it is parsed as parse_tool_answer would (or returned as content).
class ToolCallStream {
 public:
  explicit ToolCallStream(nlohmann::ordered_json tools) : tools_(std::move(tools)) {}
  // The content that can be shown now.
  std::string push(std::string_view text);
  // At the end of the answer: held text that is not a call (content) and the calls.
  ToolAnswer finish();

 private:
  nlohmann::ordered_json tools_;
  std::string held_;
  bool in_call_ = false;  // a whole opening tag was seen: everything after it is held
};

inline constexpr std::string_view kToolCallOpen = "<tool_call>";
inline constexpr std::string_view kToolCallClose = "</tool_call>";

}  // namespace vole::server
