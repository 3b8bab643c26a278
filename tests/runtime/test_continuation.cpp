// continuation_text: re-wrapping a partial answer so generation picks up where it stopped.
#include <gtest/gtest.h>

#include "runtime/chat.h"

using vole::runtime::continuation_text;
using vole::runtime::PartialReply;
using vole::runtime::ReasoningSplitter;

namespace {
// What the splitter makes of a prompt and the model's text after it: the round trip that
// continuation_text must invert.
ReasoningSplitter::Delta split(const std::string& prompt, const std::string& generated) {
  ReasoningSplitter s(ReasoningSplitter::prompt_opens_reasoning(prompt));
  auto d = s.push(generated);
  auto f = s.flush();
  return {d.reasoning + f.reasoning, d.content + f.content};
}
}  // namespace

TEST(Continuation, AnswerWithoutThinkingIsAppendedAsIs) {
  EXPECT_EQ(continuation_text("<|im_start|>assistant\n", {"", "The answer is"}), "The answer is");
  EXPECT_EQ(continuation_text("<|im_start|>assistant\n", {"", ""}), "");
}

TEST(Continuation, ReasoningOpenedByThePromptIsContinuedInside) {
  const std::string prompt = "<|im_start|>assistant\n<think>\n";
  EXPECT_EQ(continuation_text(prompt, {"Let me co", ""}), "Let me co");
  EXPECT_TRUE(ReasoningSplitter::prompt_opens_reasoning(prompt + continuation_text(prompt, {"Let me co", ""})));
  EXPECT_EQ(continuation_text(prompt, {"Count.\n", "Four"}), "Count.\n</think>\n\nFour");
}

TEST(Continuation, ReasoningTheModelOpenedIsReopened) {
  const std::string prompt = "<|im_start|>assistant\n";
  EXPECT_EQ(continuation_text(prompt, {"\nhmm", ""}), "<think>\nhmm");
  EXPECT_EQ(continuation_text(prompt, {"\nhmm\n", "Yes"}), "<think>\nhmm\n</think>\n\nYes");
}

TEST(Continuation, RoundTripsWhatTheSplitterProduced) {
  for (const std::string prompt : {"<|im_start|>assistant\n", "<|im_start|>assistant\n<think>\n"}) {
    for (const std::string generated :
         {std::string("plain answer"), std::string("<think>\nstep 1\n</think>\n\nthe answer"),
          std::string("still thinking, no close")}) {
      if (ReasoningSplitter::prompt_opens_reasoning(prompt) && generated.rfind("<think>", 0) == 0) continue;
      auto d = split(prompt, generated);
      std::string rebuilt = continuation_text(prompt, {d.reasoning, d.content});
      auto again = split(prompt, rebuilt);
      EXPECT_EQ(again.reasoning, d.reasoning) << prompt << generated;
      EXPECT_EQ(again.content, d.content) << prompt << generated;
    }
  }
}
