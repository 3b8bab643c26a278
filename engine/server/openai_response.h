#pragma once
// OpenAI response bodies and server-sent-event chunks for chat completions and
// completions, built from what the runtime reports.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/generator.h"
#include "server/tool_calls.h"

namespace vole::server {

// Identifies one answer across its chunks.
struct ReplyId {
  std::string id;       // "chatcmpl-..." / "cmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;
  bool chat = true;
};
ReplyId new_reply_id(const std::string& model, bool chat);
// `prefix` and 24 random hex digits.
std::string random_id(const std::string& prefix);

// "stop" (end of turn, stop sequence) or "length" (token limit, context full); an
// answer that ends in tool calls finishes with "tool_calls".
const char* finish_reason(runtime::StopReason reason, bool tool_calls = false);
nlohmann::ordered_json usage_json(const runtime::GenerationStats& stats);

// The whole answer (non-streaming). With tool calls, content is null when empty.
nlohmann::ordered_json reply_json(const ReplyId& id, const std::string& content, const std::string& reasoning,
                                  const runtime::GenerationStats& stats, const std::vector<ToolCall>& calls = {});

// One streamed chunk: text (and, for chats, reasoning or the role), or the last one
// with its finish reason. With include_usage every chunk carries "usage": null, and
// usage_chunk() adds the final one with empty choices, as OpenAI does.
nlohmann::ordered_json delta_chunk(const ReplyId& id, const std::string& content, const std::string& reasoning,
                                   bool role, bool include_usage);
// The calls, whole, in one chunk (the model's text is parsed once the answer ends).
nlohmann::ordered_json tool_calls_chunk(const ReplyId& id, const std::vector<ToolCall>& calls, bool include_usage);
nlohmann::ordered_json finish_chunk(const ReplyId& id, runtime::StopReason reason, bool include_usage,
                                    bool tool_calls = false);
nlohmann::ordered_json usage_chunk(const ReplyId& id, const runtime::GenerationStats& stats);

// "data: <json>\n\n"
std::string sse_event(const nlohmann::ordered_json& data);
inline constexpr const char* kSseDone = "data: [DONE]\n\n";

}  // namespace vole::server
