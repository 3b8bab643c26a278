#include "server/openai_response.h"

#include <chrono>
#include <random>

#include "util/hash.h"

namespace vole::server {

using Json = nlohmann::ordered_json;

std::string random_id(const std::string& prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint8_t bytes[12];
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  return prefix + to_hex(bytes);
}

ReplyId new_reply_id(const std::string& model, bool chat) {
  ReplyId r;
  r.id = random_id(chat ? "chatcmpl-" : "cmpl-");
  r.created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  r.model = model;
  r.chat = chat;
  return r;
}

const char* finish_reason(runtime::StopReason reason, bool tool_calls) {
  if (tool_calls) return "tool_calls";
  switch (reason) {
    case runtime::StopReason::MaxTokens:
    case runtime::StopReason::ContextFull:
      return "length";
    default:
      return "stop";
  }
}

Json usage_json(const runtime::GenerationStats& s) {
  return {{"prompt_tokens", s.prompt_tokens},
          {"completion_tokens", s.generated_tokens},
          {"total_tokens", s.prompt_tokens + s.generated_tokens}};
}

static Json header(const ReplyId& id, bool chunk) {
  return {{"id", id.id},
          {"object", id.chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
          {"created", id.created},
          {"model", id.model}};
}

static Json tool_calls_json(const std::vector<ToolCall>& calls, bool indexed) {
  Json list = Json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    Json call = Json::object();
    if (indexed) call["index"] = i;
    call["id"] = calls[i].id;
    call["type"] = "function";
    call["function"] = {{"name", calls[i].name}, {"arguments", calls[i].arguments}};
    list.push_back(call);
  }
  return list;
}

Json reply_json(const ReplyId& id, const std::string& content, const std::string& reasoning,
                const runtime::GenerationStats& stats, const std::vector<ToolCall>& calls) {
  Json j = header(id, false);
  Json choice = {{"index", 0}};
  if (id.chat) {
    Json message = {{"role", "assistant"}, {"content", content}};
    if (!calls.empty() && content.empty()) message["content"] = nullptr;
    if (!reasoning.empty()) message["reasoning_content"] = reasoning;
    if (!calls.empty()) message["tool_calls"] = tool_calls_json(calls, false);
    choice["message"] = message;
  } else {
    choice["text"] = content;
  }
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finish_reason(stats.stop, !calls.empty());
  j["choices"] = Json::array({choice});
  j["usage"] = usage_json(stats);
  return j;
}

Json delta_chunk(const ReplyId& id, const std::string& content, const std::string& reasoning, bool role,
                 bool include_usage) {
  Json j = header(id, true);
  Json choice = {{"index", 0}};
  if (id.chat) {
    Json delta = Json::object();
    if (role) delta["role"] = "assistant";
    if (!reasoning.empty()) delta["reasoning_content"] = reasoning;
    if (!content.empty() || role) delta["content"] = content;
    choice["delta"] = delta;
  } else {
    choice["text"] = content;
  }
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = nullptr;
  j["choices"] = Json::array({choice});
  if (include_usage) j["usage"] = nullptr;
  return j;
}

Json tool_calls_chunk(const ReplyId& id, const std::vector<ToolCall>& calls, bool include_usage) {
  Json j = header(id, true);
  Json choice = {{"index", 0}, {"delta", {{"tool_calls", tool_calls_json(calls, true)}}}};
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = nullptr;
  j["choices"] = Json::array({choice});
  if (include_usage) j["usage"] = nullptr;
  return j;
}

Json finish_chunk(const ReplyId& id, runtime::StopReason reason, bool include_usage, bool tool_calls) {
  Json j = header(id, true);
  Json choice = {{"index", 0}};
  if (id.chat)
    choice["delta"] = Json::object();
  else
    choice["text"] = "";
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finish_reason(reason, tool_calls);
  j["choices"] = Json::array({choice});
  if (include_usage) j["usage"] = nullptr;
  return j;
}

Json usage_chunk(const ReplyId& id, const runtime::GenerationStats& stats) {
  Json j = header(id, true);
  j["choices"] = Json::array();
  j["usage"] = usage_json(stats);
  return j;
}

std::string sse_event(const Json& data) {
  // dump() escapes every control character, so the JSON is one line: a valid event.
  return "data: " + data.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
}

}  // namespace vole::server
