#pragma once
// Splits a streamed answer into reasoning ("thinking", between <think> and </think>)
// and the visible answer, as text arrives. Tags split across pieces are handled; the
// tags themselves are never shown.
#include <string>
#include <string_view>

namespace vole::runtime {

class ReasoningSplitter {
 public:
  // `starts_in_reasoning`: the prompt ended inside an open <think> block (thinking mode).
  explicit ReasoningSplitter(bool starts_in_reasoning = false, std::string open_tag = "<think>",
                             std::string close_tag = "</think>");

  struct Delta {
    std::string reasoning;
    std::string content;
  };
  Delta push(std::string_view text);
  Delta flush();
  bool in_reasoning() const { return in_reasoning_; }

  // True if the rendered prompt leaves a <think> block open (last open after last close).
  static bool prompt_opens_reasoning(std::string_view prompt, std::string_view open_tag = "<think>",
                                     std::string_view close_tag = "</think>");

 private:
  void emit(Delta& d, std::string_view text) const;
  bool in_reasoning_;
  bool seen_content_ = false;
  std::string open_, close_, pending_;
};

}  // namespace vole::runtime
