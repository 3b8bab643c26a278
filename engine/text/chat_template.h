#pragma once
// A model's chat template: turns a conversation (OpenAI/Hugging Face message format)
// into the prompt text the model was trained on, byte-identical to transformers'
// tokenizer.apply_chat_template(messages, tokenize=False, ...).
//
//   auto tpl = vole::text::ChatTemplate::from_model_dir(dir);
//   vole::text::ChatOptions opts;
//   opts.enable_thinking = false;
//   std::string prompt = tpl.render(nlohmann::ordered_json::parse(R"([{"role":"user","content":"Hi"}])"), opts);
//
// Parse message JSON with nlohmann::ordered_json: key order matters (tools are printed
// with tojson, which keeps the order the caller wrote).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/jinja_template.h"

namespace vole::text {

struct ChatOptions {
  // Append the assistant header so the model writes the next turn (transformers'
  // default is false; a chat front end almost always wants true).
  bool add_generation_prompt = true;
  // Passed to the template only when set: templates test `enable_thinking is defined`.
  std::optional<bool> enable_thinking;
  // Tool definitions (a JSON array of schemas); null means no tools (the template sees None).
  nlohmann::ordered_json tools;
  // Further template variables (e.g. add_vision_id); enable_thinking above wins over one here.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  // Steps, time and memory the render may take, and the cancel flag that stops it.
  jinja::RenderLimits limits;
};

class ChatTemplate {
 public:
  // Reads <dir>/chat_template.jinja if present (transformers gives it precedence), else
  // tokenizer_config.json's "chat_template" (a string, or a list of {name, template}),
  // else a processor's chat_template.json. Special tokens (bos_token, eos_token, ...)
  // come from tokenizer_config.json. Throws NotFound / InvalidFile naming the file.
  static ChatTemplate from_model_dir(const std::filesystem::path& dir);

  // One template; `special_tokens` is a JSON object of variables such as bos_token.
  explicit ChatTemplate(const std::string& source, nlohmann::ordered_json special_tokens = nlohmann::ordered_json::object(),
                        const std::string& name = "chat_template");

  // `messages` is a JSON array of {role, content, ...}. Throws vole::Error naming the
  // template line on template errors; jinja::RaisedByTemplate when the template itself
  // rejects the conversation (its what() is the template's message).
  std::string render(const nlohmann::ordered_json& messages, const ChatOptions& options = {}) const;

  // The template used without tools ("default" when the model names several).
  const std::string& source() const;
  const nlohmann::ordered_json& special_tokens() const { return special_tokens_; }
  std::vector<std::string> template_names() const;

 private:
  struct Named {
    std::string name;
    std::string source;
    std::shared_ptr<const jinja::Template> compiled;
  };
  ChatTemplate() = default;
  void add(const std::string& name, const std::string& source, const std::string& origin);
  const Named& select(bool with_tools) const;

  std::vector<Named> templates_;
  nlohmann::ordered_json special_tokens_ = nlohmann::ordered_json::object();
};

// The special-token variables transformers passes to chat templates (its
// special_tokens_map) from a parsed tokenizer_config.json.
nlohmann::ordered_json special_tokens_from_config(const nlohmann::ordered_json& tokenizer_config);

}  // namespace vole::text
