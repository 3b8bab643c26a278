#include "runtime/chat.h"

#include "util/error.h"

namespace vole::runtime {

Chat::Chat(const Engine& engine, int64_t context_length)
    : engine_(engine), sequence_(engine.new_sequence(context_length)) {}

std::string Chat::render(const ChatRequest& request, const std::atomic<bool>* cancel) const {
  const text::ChatTemplate* tmpl = engine_.chat_template();
  if (!tmpl)
    fail(ErrorCode::Unsupported, "this model has no chat template (tokenizer_config.json / chat_template.jinja); "
                                 "use a raw prompt instead");
  text::ChatOptions options = request.template_options;
  if (request.continue_from) options.add_generation_prompt = true;
  if (cancel) options.limits.cancel = cancel;
  std::string prompt = tmpl->render(request.messages, options);
  if (request.continue_from) prompt += continuation_text(prompt, *request.continue_from);
  return prompt;
}

std::string continuation_text(std::string_view prompt, const PartialReply& partial) {
  // The splitter's default tags; it hands reasoning over verbatim (newlines included)
  // and drops only the blank lines after </think>, which are put back here.
  static constexpr std::string_view kOpen = "<think>", kClose = "</think>";
  bool open = ReasoningSplitter::prompt_opens_reasoning(prompt, kOpen, kClose);
  std::string out;
  if (!partial.reasoning.empty()) {
    if (!open) out += kOpen;
    out += partial.reasoning;
    open = true;
  }
  if (!partial.content.empty()) {
    if (open) out.append(kClose).append("\n\n");
    out += partial.content;
  }
  return out;
}

ChatReply Chat::reply(const ChatRequest& request, const DeltaCallback& on_delta, const std::atomic<bool>* cancel) {
  std::string prompt = render(request, cancel);
  std::vector<int32_t> ids =
      engine_.tokenizer().encode(prompt, {.add_special_tokens = false});  // the template wrote any BOS itself
  ReasoningSplitter splitter(ReasoningSplitter::prompt_opens_reasoning(prompt));
  ChatReply reply;
  auto deliver = [&](const ReasoningSplitter::Delta& d) {
    if (d.reasoning.empty() && d.content.empty()) return;
    reply.reasoning += d.reasoning;
    reply.content += d.content;
    if (on_delta) on_delta(ChatDelta{d.reasoning, d.content});
  };
  GenerateOptions options = request.generation;
  if (options.stop_tokens.empty()) options.stop_tokens = engine_.stop_tokens();
  reply.stats = generate(*sequence_, engine_.tokenizer(), ids, options,
                         [&](const std::string& text, int32_t) { deliver(splitter.push(text)); }, cancel);
  deliver(splitter.flush());
  return reply;
}

}  // namespace vole::runtime
