#pragma once
// Message-level conversation on top of a Sequence: renders the conversation with the
// model's chat template, tokenizes it, and generates the next assistant turn. Because
// Sequence::sync keeps the longest common prefix, a follow-up turn evaluates only the
// new tokens, and regenerating or editing an earlier message rolls the state back to
// where the conversation changed.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/preprocess.h"
#include "runtime/engine.h"
#include "runtime/generator.h"
#include "runtime/image_prompt.h"
#include "runtime/reasoning.h"

namespace vole::runtime {

// An answer to carry on from (interrupted by a crash, stopped, or cut short).
struct PartialReply {
  std::string reasoning;  // thinking so far, as ChatDelta::reasoning delivered it
  std::string content;    // answer so far, as ChatDelta::content delivered it
};

struct ChatRequest {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // [{role, content, ...}]
  text::ChatOptions template_options;
  GenerateOptions generation;
  // Continue this partial answer instead of starting a new one. `messages` ends before
  // it (with the user turn it answers). The prompt is the conversation rendered with
  // the generation prompt, followed by the partial answer re-wrapped as the model wrote
  // it (continuation_text), so the model goes on mid-sentence and the new deltas extend
  // the partial ones.
  std::optional<PartialReply> continue_from;
  // The images of the conversation in the order their parts ({"type": "image"} in a
  // message's content list) appear in `messages`; the template renders each part as a
  // placeholder that becomes the image's tokens.
  std::vector<image::PreprocessedImage> images;
  // Called with each generated token's id, after its text was delivered and while the
  // logits it was drawn from are still the sequence's current ones (for log-probabilities).
  std::function<void(int32_t token)> on_token;
};

// What to append to a rendered prompt (ending in the generation prompt) so the model
// continues `partial`: the reasoning inside <think> ... (opened unless the prompt already
// opened it), closed by "</think>\n\n" when answer text follows, then the answer text.
std::string continuation_text(std::string_view prompt, const PartialReply& partial);

struct ChatDelta {
  std::string reasoning;  // thinking text (shown collapsed)
  std::string content;    // the visible answer
};

struct ChatReply {
  std::string reasoning;
  std::string content;
  GenerationStats stats;
};

using DeltaCallback = std::function<void(const ChatDelta& delta)>;

class Chat {
 public:
  explicit Chat(const Engine& engine, int64_t context_length = 0);

  // Renders the request's conversation as the model sees it (with the partial answer
  // appended when the request continues one).
  // `cancel` stops a long render (Cancelled).
  std::string render(const ChatRequest& request, const std::atomic<bool>* cancel = nullptr) const;
  ChatReply reply(const ChatRequest& request, const DeltaCallback& on_delta, const std::atomic<bool>* cancel = nullptr);
  void reset() { sequence_->reset(); }
  Sequence& sequence() { return *sequence_; }

  // The prompt as the model sees it: the rendered conversation's tokens with each image
  // placeholder expanded, and the images' embeddings and positions. Images are encoded
  // once per conversation (kept by identity hash while a request still uses them).
  ImagePrompt prompt_tokens(const ChatRequest& request);

 private:
  ImagePrompt tokens_for(const ChatRequest& request, const std::string& rendered,
                         const std::atomic<bool>* cancel = nullptr);
  const Engine& engine_;
  std::unique_ptr<Sequence> sequence_;
  std::map<std::string, EncodedImage> encoded_;  // by image id
};

}  // namespace vole::runtime
