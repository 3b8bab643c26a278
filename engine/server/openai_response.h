#pragma once
// OpenAI response bodies and server-sent-event chunks for chat completions and
// completions, built from what the runtime reports.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/generator.h"

namespace vole::server {

// Identifies one answer across its chunks.
struct ReplyId {
  std::string id;       // "chatcmpl-..." / "cmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;
  bool chat = true;
};
ReplyId new_reply_id(const std::string& model, bool chat);

// "stop" (end of turn, stop sequence) or "length" (token limit, context full).
const char* finish_reason(runtime::StopReason reason);
nlohmann::ordered_json usage_json(const runtime::GenerationStats& stats);

// The whole answer (non-streaming).
nlohmann::ordered_json reply_json(const ReplyId& id, const std::string& content, const std::string& reasoning,
                                  const runtime::GenerationStats& stats);

// One streamed chunk: text (and, for chats, reasoning or the role), or the last one
// with its finish reason. With include_usage every chunk carries "usage": null, and
// usage_chunk() adds the final one with empty choices, as OpenAI does.
nlohmann::ordered_json delta_chunk(const ReplyId& id, const std::string& content, const std::string& reasoning,
                                   bool role, bool include_usage);
nlohmann::ordered_json finish_chunk(const ReplyId& id, runtime::StopReason reason, bool include_usage);
nlohmann::ordered_json usage_chunk(const ReplyId& id, const runtime::GenerationStats& stats);

// "data: <json>\n\n"
std::string sse_event(const nlohmann::ordered_json& data);
inline constexpr const char* kSseDone = "data: [DONE]\n\n";

}  // namespace vole::server
