#include "runtime/chat.h"

#include <algorithm>

#include "util/error.h"

namespace vole::runtime {

Chat::Chat(const Engine& engine, int64_t context_length)
    : engine_(engine), sequence_(engine.new_sequence(context_length)) {}

std::string Chat::render(const ChatRequest& request, const std::atomic<bool>* cancel) const {
  const text::ChatTemplate* tmpl = engine_.chat_template();
  if (!tmpl)
    fail(ErrorCode::Unsupported,
         "this model has no chat template (tokenizer_config.json / chat_template.jinja); "
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

ImagePrompt Chat::prompt_tokens(const ChatRequest& request) { return tokens_for(request, render(request)); }

ImagePrompt Chat::tokens_for(const ChatRequest& request, const std::string& prompt, const std::atomic<bool>* cancel) {
  ImagePrompt out;
  // The template wrote any BOS itself; a huge pasted prompt stops tokenising on Stop.
  out.tokens = engine_.tokenizer().encode(prompt, {.add_special_tokens = false, .cancel = cancel});
  if (request.images.empty()) {
    encoded_.clear();
    return out;
  }
  VisionTower& tower = engine_.vision();
  // Encode the images not seen before in one submission; forget those no longer used.
  std::vector<image::PreprocessedImage> fresh;
  for (const auto& im : request.images)
    if (!encoded_.contains(im.id) &&
        std::none_of(fresh.begin(), fresh.end(), [&](const auto& f) { return f.id == im.id; }))
      fresh.push_back(im);
  std::map<std::string, EncodedImage> kept;
  for (auto& e : tower.encode(fresh, cancel)) kept.emplace(e.id, std::move(e));
  std::vector<EncodedImage> in_order;
  for (const auto& im : request.images) {
    auto it = kept.find(im.id);
    if (it == kept.end()) it = kept.emplace(im.id, encoded_.at(im.id)).first;
    in_order.push_back(it->second);
  }
  encoded_ = std::move(kept);
  return expand_image_prompt(out.tokens, in_order, tower.encoder().token_ids());
}

ChatReply Chat::reply(const ChatRequest& request, const DeltaCallback& on_delta, const std::atomic<bool>* cancel) {
  std::string prompt = render(request, cancel);
  ImagePrompt full = tokens_for(request, prompt, cancel);
  const std::vector<int32_t>& ids = full.tokens;
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
  reply.stats = generate(
      *sequence_, engine_.tokenizer(), ids, options,
      [&](const std::string& text, int32_t token) {
        deliver(splitter.push(text));
        if (request.on_token && token >= 0) request.on_token(token);
      },
      cancel, request.images.empty() ? nullptr : &full.extras);
  deliver(splitter.flush());
  return reply;
}

}  // namespace vole::runtime
