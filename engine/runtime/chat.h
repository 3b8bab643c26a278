#pragma once
// Message-level conversation on top of a Sequence: renders the conversation with the
// model's chat template, tokenizes it, and generates the next assistant turn. Because
// Sequence::sync keeps the longest common prefix, a follow-up turn evaluates only the
// new tokens, and regenerating or editing an earlier message rolls the state back to
// where the conversation changed.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/engine.h"
#include "runtime/generator.h"
#include "runtime/reasoning.h"

namespace vole::runtime {

struct ChatRequest {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // [{role, content, ...}]
  text::ChatOptions template_options;
  GenerateOptions generation;
};

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

  // Renders the request's conversation as the model sees it.
  std::string render(const ChatRequest& request) const;
  ChatReply reply(const ChatRequest& request, const DeltaCallback& on_delta,
                  const std::atomic<bool>* cancel = nullptr);
  void reset() { sequence_->reset(); }
  Sequence& sequence() { return *sequence_; }

 private:
  const Engine& engine_;
  std::unique_ptr<Sequence> sequence_;
};

}  // namespace vole::runtime
