// `vole template`: renders a conversation with a model's chat template and prints the
// prompt exactly (no trailing newline added), for checking what the model will see.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "command.h"
#include "text/chat_template.h"
#include "util/error.h"
#include "util/file.h"
#include "util/json.h"

namespace vole::cli {

static nlohmann::ordered_json read_json_file(const std::string& path) {
  return parse_ordered_json_text(read_text_file(path), path);
}

static int run_template(Args& args) {
  std::string model = args.require({"-m", "--model"});
  std::string messages_path = args.require({"--messages"});
  auto tools_path = args.get({"--tools"});
  auto thinking = args.get({"--thinking"});
  bool no_prompt = args.flag("--no-generation-prompt");
  args.finish();

  // The messages file is a JSON array of messages, or a request body {"messages": [...], "tools": [...]}.
  nlohmann::ordered_json conv = read_json_file(messages_path);
  text::ChatOptions opts;
  nlohmann::ordered_json messages = conv;
  if (conv.is_object()) {
    require(conv.contains("messages"), messages_path + ": expected a JSON array of messages or an object with \"messages\"");
    messages = conv["messages"];
    if (conv.contains("tools")) opts.tools = conv["tools"];
  }
  if (tools_path) opts.tools = read_json_file(*tools_path);
  opts.add_generation_prompt = !no_prompt;
  if (thinking) {
    require(*thinking == "on" || *thinking == "off", "--thinking expects on or off, got '" + *thinking + "'");
    opts.enable_thinking = *thinking == "on";
  }
  auto tpl = text::ChatTemplate::from_model_dir(model);
  std::string prompt = tpl.render(messages, opts);
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  std::fflush(stdout);
  return 0;
}

VOLE_COMMAND("template",
             "-m MODEL_DIR --messages conv.json [--no-generation-prompt] [--thinking on|off] [--tools tools.json]  "
             "print the prompt a conversation renders to",
             run_template);

}  // namespace vole::cli
