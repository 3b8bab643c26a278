#include "server/openai_request.h"

#include <cmath>
#include <limits>

#include "server/api_error.h"
#include "server/image_parts.h"

namespace vole::server {

using Json = nlohmann::ordered_json;

Json parse_json_body(std::string_view body, const RequestLimits& limits) {
  if (body.empty()) throw invalid_request("the request body is empty; send a JSON object");
  // The callback sees every value's depth as it is parsed, so a hostile nesting is
  // refused before it is built (nlohmann's parser itself is iterative).
  auto bound = [&](int depth, Json::parse_event_t, Json&) {
    if (depth > limits.max_json_depth)
      throw invalid_request("the request JSON is nested more than " + std::to_string(limits.max_json_depth) +
                            " levels deep");
    return true;
  };
  Json j;
  try {
    j = Json::parse(body.begin(), body.end(), bound);
  } catch (const Json::parse_error& e) {
    throw invalid_request(std::string("the request body is not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) throw invalid_request("the request body must be a JSON object");
  return j;
}

namespace {

const Json* field(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void bad(const std::string& name, const std::string& what) {
  throw invalid_request("'" + name + "' " + what, name);
}

std::optional<bool> get_bool(const Json& body, const char* name) {
  const Json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) bad(name, "must be a boolean");
  return v->get<bool>();
}

std::optional<double> get_number(const Json& body, const char* name, double lo, double hi) {
  const Json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_number()) bad(name, "must be a number");
  double x = v->get<double>();
  if (!std::isfinite(x) || x < lo || x > hi)
    bad(name, "must be between " + nlohmann::json(lo).dump() + " and " + nlohmann::json(hi).dump());
  return x;
}

std::optional<int64_t> get_integer(const Json& body, const char* name, int64_t lo, int64_t hi) {
  const Json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) bad(name, "must be an integer");
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(hi))
    bad(name, "must be at most " + std::to_string(hi));
  int64_t x = v->get<int64_t>();
  if (x < lo || x > hi) bad(name, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return x;
}

std::optional<float> as_float(std::optional<double> v) {
  return v ? std::optional<float>(static_cast<float>(*v)) : std::nullopt;
}

// Refuses a field whose presence asks for something Vole does not do.
void refuse_if(bool condition, const char* name, const std::string& why) {
  if (condition) throw invalid_request("'" + std::string(name) + "' " + why, name, "unsupported_parameter");
}

// The fields both endpoints share.
void parse_common(const Json& body, const RequestLimits& limits, GenerationRequest& r) {
  const Json* model = field(body, "model");
  if (!model) bad("model", "is required");
  if (!model->is_string() || model->get_ref<const std::string&>().empty()) bad("model", "must be a non-empty string");
  r.model = model->get<std::string>();
  r.stream = get_bool(body, "stream").value_or(false);
  if (const Json* so = field(body, "stream_options")) {
    if (!so->is_object()) bad("stream_options", "must be an object");
    if (!r.stream) bad("stream_options", "is only allowed with 'stream': true");
    r.include_usage = get_bool(*so, "include_usage").value_or(false);
  }
  constexpr int64_t kMaxTokens = 1 << 24;
  auto max_tokens = get_integer(body, "max_tokens", 1, kMaxTokens);
  auto max_completion = get_integer(body, "max_completion_tokens", 1, kMaxTokens);
  r.max_tokens = max_completion ? max_completion : max_tokens;
  r.temperature = as_float(get_number(body, "temperature", 0, 2));
  r.top_p = as_float(get_number(body, "top_p", 0, 1));
  if (r.top_p && *r.top_p <= 0) bad("top_p", "must be greater than 0");
  r.presence_penalty = as_float(get_number(body, "presence_penalty", -2, 2));
  r.frequency_penalty = as_float(get_number(body, "frequency_penalty", -2, 2));
  // Extensions llama.cpp and vLLM accept too.
  r.min_p = as_float(get_number(body, "min_p", 0, 0.999));
  r.repetition_penalty = as_float(get_number(body, "repetition_penalty", 0.01, 10));
  if (auto k = get_integer(body, "top_k", -1, 1 << 20)) r.top_k = static_cast<int>(std::max<int64_t>(*k, 0));
  r.seed = get_integer(body, "seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  if (auto n = get_integer(body, "n", 1, 128)) refuse_if(*n != 1, "n", "must be 1: Vole returns one choice");
  if (const Json* stop = field(body, "stop")) {
    if (stop->is_string()) {
      r.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array()) {
      if (stop->size() > limits.max_stop_strings)
        bad("stop", "may hold at most " + std::to_string(limits.max_stop_strings) + " sequences");
      for (const Json& s : *stop) {
        if (!s.is_string()) bad("stop", "must be a string or an array of strings");
        r.stop.push_back(s.get<std::string>());
      }
    } else {
      bad("stop", "must be a string or an array of strings");
    }
    for (const std::string& s : r.stop) {
      if (s.empty()) bad("stop", "sequences must not be empty");
      if (s.size() > limits.max_stop_length)
        bad("stop", "sequences may be at most " + std::to_string(limits.max_stop_length) + " bytes");
    }
  }
  refuse_if(field(body, "logit_bias") && !field(body, "logit_bias")->empty(), "logit_bias", "is not supported");
}

// A message's content as the template gets it: a string, or an array of text parts
// joined; with image parts, the list of text and {"type": "image"} parts (the files go
// to r.image_files).
Json message_content(const Json& content, size_t index, const RequestLimits& limits, GenerationRequest& r) {
  std::string where = "messages[" + std::to_string(index) + "].content";
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) bad(where, "must be a string or an array of content parts");
  std::string text;
  Json parts = Json::array();
  bool images = false;
  for (size_t i = 0; i < content.size(); ++i) {
    const Json& part = content[i];
    std::string at = where + "[" + std::to_string(i) + "]";
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
      bad(where, "parts must be objects with a 'type'");
    const std::string& type = part["type"].get_ref<const std::string&>();
    if (type == "image_url") {
      const Json* image = field(part, "image_url");
      const Json* url = image && image->is_object() ? field(*image, "url") : image;
      if (!url || !url->is_string()) bad(at + ".image_url", "must be an object with a string 'url'");
      if (r.image_files.size() >= limits.max_images)
        bad(at, "is one image too many: at most " + std::to_string(limits.max_images) + " per request");
      r.image_files.push_back(image_bytes_from_url(url->get_ref<const std::string&>(), at + ".image_url.url"));
      parts.push_back({{"type", "image"}});
      images = true;
      continue;
    }
    if (type != "text")
      throw invalid_request("content parts of type '" + type + "' are not supported by this server", where,
                            "unsupported_content");
    if (!part.contains("text") || !part["text"].is_string()) bad(where, "text parts need a string 'text'");
    text += part["text"].get<std::string>();
    parts.push_back({{"type", "text"}, {"text", part["text"]}});
  }
  if (images) return parts;
  return text;
}

// The request's tools as the template gets them, after tool_choice: null when there
// are none or the caller chose "none". A forced call ("required", or one named
// function) is refused: nothing in Vole's decoding can make the model call.
Json parse_tools(const Json& body, const RequestLimits& limits) {
  const Json* tools = field(body, "tools");
  if (auto parallel = field(body, "parallel_tool_calls"); parallel && !parallel->is_boolean())
    bad("parallel_tool_calls", "must be a boolean");
  std::string choice = "auto";
  if (const Json* c = field(body, "tool_choice")) {
    if (c->is_string()) {
      choice = c->get<std::string>();
      if (choice != "auto" && choice != "none" && choice != "required")
        bad("tool_choice", "must be 'auto', 'none', 'required' or a function");
    } else if (!c->is_object()) {
      bad("tool_choice", "must be 'auto', 'none', 'required' or a function");
    } else {
      choice = "function";
    }
    refuse_if(choice == "required" || choice == "function", "tool_choice",
              "may only be 'auto' or 'none': this server cannot force the model to call a tool");
  }
  if (!tools || (tools->is_array() && tools->empty())) return nullptr;
  if (!tools->is_array()) bad("tools", "must be an array");
  if (tools->size() > limits.max_tools) bad("tools", "may hold at most " + std::to_string(limits.max_tools) + " tools");
  for (size_t i = 0; i < tools->size(); ++i) {
    const Json& t = (*tools)[i];
    std::string where = "tools[" + std::to_string(i) + "]";
    if (!t.is_object() || t.value("type", "") != "function")
      throw invalid_request("'" + where + "' must be an object of type 'function'", where, "unsupported_tool");
    const Json* fn = field(t, "function");
    if (!fn || !fn->is_object()) bad(where + ".function", "is required and must be an object");
    const Json* name = field(*fn, "name");
    if (!name || !name->is_string() || name->get_ref<const std::string&>().empty())
      bad(where + ".function.name", "is required and must be a non-empty string");
    if (const Json* d = field(*fn, "description"); d && !d->is_string())
      bad(where + ".function.description", "must be a string");
    if (const Json* p = field(*fn, "parameters"); p && !p->is_object())
      bad(where + ".function.parameters", "must be an object (a JSON schema)");
  }
  if (choice == "none") return nullptr;
  return *tools;
}

// An assistant turn's earlier calls, with each call's arguments (OpenAI sends JSON
// text) as the JSON object chat templates iterate over.
Json parse_message_tool_calls(const Json& calls, const std::string& where) {
  if (!calls.is_array()) bad(where, "must be an array");
  Json out = Json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    const Json& c = calls[i];
    std::string at = where + "[" + std::to_string(i) + "]";
    if (!c.is_object()) bad(at, "must be an object");
    if (c.contains("type") && c["type"] != "function") bad(at + ".type", "must be 'function'");
    const Json* fn = field(c, "function");
    if (!fn || !fn->is_object()) bad(at + ".function", "is required and must be an object");
    const Json* name = field(*fn, "name");
    if (!name || !name->is_string() || name->get_ref<const std::string&>().empty())
      bad(at + ".function.name", "is required and must be a non-empty string");
    Json arguments = Json::object();
    if (const Json* a = field(*fn, "arguments")) {
      if (a->is_string()) {
        const std::string& text = a->get_ref<const std::string&>();
        arguments = text.empty() ? Json::object() : Json::parse(text.begin(), text.end(), nullptr, false);
      } else {
        arguments = *a;
      }
      if (arguments.is_discarded() || !arguments.is_object())
        bad(at + ".function.arguments", "must be a JSON object (or its text)");
    }
    Json call = Json::object();
    if (const Json* id = field(c, "id"); id && id->is_string()) call["id"] = *id;
    call["type"] = "function";
    call["function"] = {{"name", *name}, {"arguments", arguments}};
    out.push_back(std::move(call));
  }
  return out;
}

}  // namespace

GenerationRequest parse_chat_request(const Json& body, const RequestLimits& limits) {
  GenerationRequest r;
  r.kind = GenerationRequest::Kind::Chat;
  parse_common(body, limits, r);
  refuse_if(field(body, "functions") != nullptr, "functions", "are not supported (use 'tools')");
  if (const Json* fmt = field(body, "response_format")) {
    if (!fmt->is_object() || !fmt->contains("type") || !(*fmt)["type"].is_string())
      bad("response_format", "must be an object with a 'type'");
    refuse_if((*fmt)["type"] != "text", "response_format", "other than 'text' is not supported");
  }
  r.tools = parse_tools(body, limits);
  r.logprobs = get_bool(body, "logprobs").value_or(false);
  if (auto top = get_integer(body, "top_logprobs", 0, 20)) {
    if (!r.logprobs && *top > 0) bad("top_logprobs", "needs 'logprobs': true");
    r.top_logprobs = static_cast<int>(*top);
  }
  const Json* messages = field(body, "messages");
  if (!messages) bad("messages", "is required");
  if (!messages->is_array() || messages->empty()) bad("messages", "must be a non-empty array");
  if (messages->size() > limits.max_messages)
    bad("messages", "may hold at most " + std::to_string(limits.max_messages) + " messages");
  r.messages = Json::array();
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) bad(where, "must be an object");
    if (!m.contains("role") || !m["role"].is_string()) bad(where + ".role", "is required and must be a string");
    std::string role = m["role"].get<std::string>();
    // "developer" is OpenAI's newer name for the system message; templates know "system".
    if (role == "developer") role = "system";
    if (role != "system" && role != "user" && role != "assistant" && role != "tool")
      throw invalid_request("role '" + role + "' is not supported (system, developer, user, assistant, tool)",
                            where + ".role");
    const Json* content = field(m, "content");
    const Json* calls = role == "assistant" ? field(m, "tool_calls") : nullptr;
    if (!content && role != "assistant") bad(where + ".content", "is required");
    Json message = {{"role", role}, {"content", content ? message_content(*content, i, limits, r) : Json("")}};
    if (calls) message["tool_calls"] = parse_message_tool_calls(*calls, where + ".tool_calls");
    if (role == "tool") {
      const Json* call_id = field(m, "tool_call_id");
      if (!call_id || !call_id->is_string()) bad(where + ".tool_call_id", "is required and must be a string");
      message["tool_call_id"] = *call_id;
      if (const Json* name = field(m, "name"); name && name->is_string()) message["name"] = *name;
    }
    r.messages.push_back(std::move(message));
  }
  return r;
}

GenerationRequest parse_completion_request(const Json& body, const RequestLimits& limits) {
  GenerationRequest r;
  r.kind = GenerationRequest::Kind::Completion;
  parse_common(body, limits, r);
  refuse_if(get_bool(body, "echo").value_or(false), "echo", "is not supported");
  refuse_if(field(body, "suffix") != nullptr, "suffix", "is not supported");
  if (auto best_of = get_integer(body, "best_of", 1, 128)) refuse_if(*best_of != 1, "best_of", "must be 1");
  // The legacy form: an integer, how many alternatives to list (0: the chosen token only).
  if (auto top = get_integer(body, "logprobs", 0, 5)) {
    r.logprobs = true;
    r.top_logprobs = static_cast<int>(*top);
  }
  const Json* prompt = field(body, "prompt");
  if (!prompt) bad("prompt", "is required");
  if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string()) prompt = &(*prompt)[0];
  if (!prompt->is_string()) bad("prompt", "must be a string (or an array of one string)");
  r.prompt = prompt->get<std::string>();
  if (r.prompt.empty()) bad("prompt", "must not be empty");
  return r;
}

uint32_t sampler_seed(int64_t seed) {
  // 2^32 - 1 residues shifted by one: never 0, and distinct for 0 .. 2^32 - 2.
  return static_cast<uint32_t>(static_cast<uint64_t>(seed) % 0xFFFFFFFFull) + 1u;
}

runtime::GenerateOptions generation_options(const GenerationRequest& r, runtime::GenerateOptions o,
                                            int64_t context_length) {
  auto& s = o.sampling;
  if (r.temperature) s.temperature = *r.temperature;
  if (r.top_p) s.top_p = *r.top_p;
  if (r.top_k) s.top_k = *r.top_k;
  if (r.min_p) s.min_p = *r.min_p;
  if (r.presence_penalty) s.presence_penalty = *r.presence_penalty;
  if (r.frequency_penalty) s.frequency_penalty = *r.frequency_penalty;
  if (r.repetition_penalty) s.repetition_penalty = *r.repetition_penalty;
  s.seed = r.seed ? sampler_seed(*r.seed) : 0;
  o.max_tokens = static_cast<int>(std::min<int64_t>(r.max_tokens.value_or(context_length), context_length));
  o.stop_strings = r.stop;
  return o;
}

}  // namespace vole::server
