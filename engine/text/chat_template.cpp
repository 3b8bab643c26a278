#include "text/chat_template.h"

#include <algorithm>

#include "util/error.h"
#include "util/file.h"
#include "util/json.h"

namespace vole::text {

namespace {

nlohmann::ordered_json read_json(const std::filesystem::path& path) {
  return parse_ordered_json_text(read_text_file(path), path.string());
}

// A token in tokenizer_config.json is a string or an AddedToken object {"content": ...}.
std::optional<std::string> token_text(const nlohmann::ordered_json& t) {
  if (t.is_string()) return t.get<std::string>();
  if (t.is_object() && t.contains("content") && t["content"].is_string()) return t["content"].get<std::string>();
  return std::nullopt;
}

}  // namespace

nlohmann::ordered_json special_tokens_from_config(const nlohmann::ordered_json& config) {
  // transformers' special_tokens_map: the attributes that are set and non-empty.
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (!config.is_object()) return out;
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}) {
    if (!config.contains(key)) continue;
    if (auto text = token_text(config[key]); text && !text->empty()) out[key] = *text;
  }
  if (config.contains("additional_special_tokens") && config["additional_special_tokens"].is_array()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (auto& t : config["additional_special_tokens"])
      if (auto text = token_text(t)) list.push_back(*text);
    if (!list.empty()) out["additional_special_tokens"] = list;
  }
  return out;
}

ChatTemplate::ChatTemplate(const std::string& source, nlohmann::ordered_json special_tokens, const std::string& name)
    : special_tokens_(std::move(special_tokens)) {
  require(special_tokens_.is_object(), "chat template special tokens must be a JSON object");
  add("default", source, name);
}

void ChatTemplate::add(const std::string& name, const std::string& source, const std::string& origin) {
  // An empty template renders an empty prompt, which would be reported far from its cause.
  if (source.find_first_not_of(" \t\r\n") == std::string::npos)
    fail(ErrorCode::InvalidFile, origin + ": the chat template is empty");
  auto compiled = std::make_shared<const jinja::Template>(source, origin);
  templates_.push_back(Named{name, source, std::move(compiled)});
}

ChatTemplate ChatTemplate::from_model_dir(const std::filesystem::path& dir) {
  ChatTemplate t;
  auto config_path = dir / "tokenizer_config.json";
  nlohmann::ordered_json config = nlohmann::ordered_json::object();
  if (std::filesystem::exists(config_path)) {
    config = read_json(config_path);
    if (!config.is_object()) fail(ErrorCode::InvalidFile, config_path.string() + ": expected a JSON object");
  }
  t.special_tokens_ = special_tokens_from_config(config);

  auto jinja_path = dir / "chat_template.jinja";
  if (std::filesystem::exists(jinja_path)) {
    t.add("default", read_text_file(jinja_path), jinja_path.string());
    // transformers also loads additional_chat_templates/<name>.jinja next to it.
    auto extra_dir = dir / "additional_chat_templates";
    if (std::filesystem::is_directory(extra_dir)) {
      std::vector<std::filesystem::path> files;
      for (auto& e : std::filesystem::directory_iterator(extra_dir))
        if (e.path().extension() == ".jinja") files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (auto& f : files) t.add(f.stem().string(), read_text_file(f), f.string());
    }
    return t;
  }

  std::string origin = config_path.string() + " chat_template";
  if (config.contains("chat_template")) {
    const auto& ct = config["chat_template"];
    if (ct.is_string()) {
      t.add("default", ct.get<std::string>(), origin);
      return t;
    }
    if (ct.is_array()) {
      for (auto& entry : ct) {
        if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") || !entry["name"].is_string() ||
            !entry["template"].is_string())
          fail(ErrorCode::InvalidFile, origin + ": each named template must be {\"name\": ..., \"template\": ...}");
        std::string name = entry["name"].get<std::string>();
        t.add(name, entry["template"].get<std::string>(), origin + " '" + name + "'");
      }
      if (t.templates_.empty()) fail(ErrorCode::InvalidFile, origin + ": empty list of templates");
      return t;
    }
    if (!ct.is_null()) fail(ErrorCode::InvalidFile, origin + ": expected a string or a list of named templates");
  }

  auto processor_path = dir / "chat_template.json";
  if (std::filesystem::exists(processor_path)) {
    auto pj = read_json(processor_path);
    if (pj.is_object() && pj.contains("chat_template") && pj["chat_template"].is_string()) {
      t.add("default", pj["chat_template"].get<std::string>(), processor_path.string());
      return t;
    }
    fail(ErrorCode::InvalidFile, processor_path.string() + ": no \"chat_template\" string");
  }
  fail(ErrorCode::NotFound, "no chat template in " + dir.string() +
                                " (looked for chat_template.jinja, tokenizer_config.json's chat_template, chat_template.json)");
}

const ChatTemplate::Named& ChatTemplate::select(bool with_tools) const {
  // transformers' get_chat_template: "tool_use" when tools are given, else "default".
  auto find = [&](const char* name) -> const Named* {
    for (auto& t : templates_)
      if (t.name == name) return &t;
    return nullptr;
  };
  if (templates_.size() == 1) return templates_[0];
  if (with_tools) {
    if (const Named* t = find("tool_use")) return *t;
  }
  if (const Named* t = find("default")) return *t;
  fail(ErrorCode::InvalidFile, "this model has several chat templates and none named 'default'");
}

const std::string& ChatTemplate::source() const { return select(false).source; }

std::vector<std::string> ChatTemplate::template_names() const {
  std::vector<std::string> names;
  for (auto& t : templates_) names.push_back(t.name);
  return names;
}

std::string ChatTemplate::render(const nlohmann::ordered_json& messages, const ChatOptions& options) const {
  require(messages.is_array(), "chat messages must be a JSON array of {role, content} objects");
  require(options.tools.is_null() || options.tools.is_array(), "chat tools must be a JSON array (or null for none)");
  require(options.extra.is_object(), "extra chat template variables must be a JSON object");
  // The variables transformers' render_jinja_template passes, in its order.
  nlohmann::ordered_json vars = nlohmann::ordered_json::object();
  vars["messages"] = messages;
  vars["tools"] = options.tools;
  vars["documents"] = nullptr;
  vars["add_generation_prompt"] = options.add_generation_prompt;
  for (auto& [k, v] : special_tokens_.items()) vars[k] = v;
  for (auto& [k, v] : options.extra.items()) vars[k] = v;
  if (options.enable_thinking) vars["enable_thinking"] = *options.enable_thinking;
  return select(!options.tools.is_null()).compiled->render(vars, options.limits);
}

}  // namespace vole::text
