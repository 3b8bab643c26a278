#include "server/tool_calls.h"

#include "server/openai_response.h"

namespace vole::server {

using Json = nlohmann::ordered_json;

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool take(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Text up to `end` (removed with it); nullopt when `end` never comes.
std::optional<std::string_view> take_until(std::string_view& s, std::string_view end) {
  size_t at = s.find(end);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view before = s.substr(0, at);
  s.remove_prefix(at + end.size());
  return before;
}

// The declared JSON type of a function's parameter ("" when the tools do not say).
std::string parameter_type(const Json& tools, std::string_view function, std::string_view parameter) {
  if (!tools.is_array()) return {};
  for (const Json& tool : tools) {
    const Json* fn = tool.contains("function") ? &tool["function"] : &tool;
    if (!fn->is_object() || fn->value("name", "") != function) continue;
    const Json* props =
        fn->contains("parameters") && (*fn)["parameters"].is_object() && (*fn)["parameters"].contains("properties")
            ? &(*fn)["parameters"]["properties"]
            : nullptr;
    if (!props || !props->is_object() || !props->contains(std::string(parameter))) return {};
    const Json& type = (*props)[std::string(parameter)].value("type", Json());
    if (type.is_string()) return type.get<std::string>();
    // A list of types: a string among them means the text is taken as it is.
    if (type.is_array())
      for (const Json& t : type)
        if (t == "string") return "string";
    return {};
  }
  return {};
}

// A tagged value: text for string parameters, else the JSON it spells when it spells
// one (numbers, booleans, objects, arrays), else the text.
Json parameter_value(std::string_view text, const std::string& type) {
  if (type == "string") return std::string(text);
  Json v = Json::parse(text.begin(), text.end(), nullptr, false);
  if (v.is_discarded()) return std::string(text);
  return v;
}

std::optional<ToolCall> parse_json_call(std::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto name = j.find("name");
  if (name == j.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) return std::nullopt;
  Json arguments = Json::object();
  auto args = j.find("arguments");
  if (args == j.end()) args = j.find("parameters");
  if (args != j.end() && !args->is_null()) {
    arguments = *args;
    if (arguments.is_string()) {
      const std::string& text = args->get_ref<const std::string&>();
      arguments = Json::parse(text.begin(), text.end(), nullptr, false);
    }
    if (arguments.is_discarded() || !arguments.is_object()) return std::nullopt;
  }
  return ToolCall{random_id("call_"), name->get<std::string>(), arguments.dump()};
}

std::optional<ToolCall> parse_tagged_call(std::string_view body, const Json& tools) {
  if (!take(body, "<function=")) return std::nullopt;
  auto name = take_until(body, ">");
  if (!name || name->empty() || name->find_first_of("<\n") != std::string_view::npos) return std::nullopt;
  Json arguments = Json::object();
  for (;;) {
    body = trim(body);
    if (body.empty() || take(body, "</function>")) break;  // some models leave the closing tag out
    if (!take(body, "<parameter=")) return std::nullopt;
    auto parameter = take_until(body, ">");
    if (!parameter || parameter->empty() || parameter->find_first_of("<\n") != std::string_view::npos)
      return std::nullopt;
    auto value = take_until(body, "</parameter>");
    if (!value) return std::nullopt;
    // The template writes each value between newlines of its own.
    if (!value->empty() && value->front() == '\n') value->remove_prefix(1);
    if (!value->empty() && value->back() == '\n') value->remove_suffix(1);
    std::string key(*parameter);
    arguments[key] = parameter_value(*value, parameter_type(tools, *name, key));
  }
  if (!trim(body).empty()) return std::nullopt;
  return ToolCall{random_id("call_"), std::string(*name), arguments.dump()};
}

// The length of the longest end of `s` that could begin an opening tag.
size_t partial_tag_length(std::string_view s) {
  for (size_t n = std::min(s.size(), kToolCallOpen.size() - 1); n > 0; --n)
    if (s.substr(s.size() - n) == kToolCallOpen.substr(0, n)) return n;
  return 0;
}

}  // namespace

std::optional<ToolCall> parse_tool_call(std::string_view body, const Json& tools) {
  body = trim(body);
  if (body.empty()) return std::nullopt;
  if (body.front() == '{') return parse_json_call(body);
  return parse_tagged_call(body, tools);
}

ToolAnswer parse_tool_answer(std::string_view answer, const Json& tools) {
  size_t start = answer.find(kToolCallOpen);
  if (start == std::string_view::npos) return {std::string(answer), {}};
  ToolAnswer parsed;
  std::string_view rest = answer.substr(start);
  for (;;) {
    rest = trim(rest);
    if (rest.empty()) break;
    auto body = take(rest, kToolCallOpen) ? take_until(rest, kToolCallClose) : std::nullopt;
    auto call = body ? parse_tool_call(*body, tools) : std::nullopt;
    if (!call) return {std::string(answer), {}};  // not (only) calls: the answer as written
    parsed.calls.push_back(std::move(*call));
  }
  std::string_view before = answer.substr(0, start);
  while (!before.empty() && is_space(before.back())) before.remove_suffix(1);
  parsed.content = before;
  return parsed;
}

std::string ToolCallStream::push(std::string_view text) {
  held_ += text;
  if (in_call_) return {};
  size_t cut;
  if (size_t open = held_.find(kToolCallOpen); open != std::string::npos) {
    in_call_ = true;
    cut = open;
  } else {
    cut = held_.size() - partial_tag_length(held_);
  }
  // Whitespace just before a call is not shown (parse_tool_answer drops it too).
  while (cut > 0 && is_space(held_[cut - 1])) --cut;
  std::string shown = held_.substr(0, cut);
  held_.erase(0, cut);
  return shown;
}

ToolAnswer ToolCallStream::finish() {
  ToolAnswer answer = in_call_ ? parse_tool_answer(held_, tools_) : ToolAnswer{held_, {}};
  held_.clear();
  in_call_ = false;
  return answer;
}

}  // namespace vole::server
