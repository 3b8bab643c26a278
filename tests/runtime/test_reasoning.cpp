#include <gtest/gtest.h>

#include "runtime/reasoning.h"

using vole::runtime::ReasoningSplitter;

static ReasoningSplitter::Delta feed(ReasoningSplitter& s, const std::vector<std::string>& pieces) {
  ReasoningSplitter::Delta all;
  for (const auto& p : pieces) {
    auto d = s.push(p);
    all.reasoning += d.reasoning;
    all.content += d.content;
  }
  auto d = s.flush();
  all.reasoning += d.reasoning;
  all.content += d.content;
  return all;
}

TEST(Reasoning, SplitsThinkingFromAnswerAcrossPieces) {
  ReasoningSplitter s;
  auto d = feed(s, {"<thi", "nk>\nLet me think", ".\n</th", "ink>\n\nThe answer", " is 4."});
  EXPECT_EQ(d.reasoning, "\nLet me think.\n");
  EXPECT_EQ(d.content, "The answer is 4.");
}

TEST(Reasoning, PromptThatOpenedThinkingStartsInReasoning) {
  EXPECT_TRUE(ReasoningSplitter::prompt_opens_reasoning("<|im_start|>assistant\n<think>\n"));
  EXPECT_FALSE(ReasoningSplitter::prompt_opens_reasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
  EXPECT_FALSE(ReasoningSplitter::prompt_opens_reasoning("<|im_start|>assistant\n"));
  ReasoningSplitter s(true);
  auto d = feed(s, {"hmm", "</think>", "\n\nok"});
  EXPECT_EQ(d.reasoning, "hmm");
  EXPECT_EQ(d.content, "ok");
}

TEST(Reasoning, PlainAnswerPassesThrough) {
  ReasoningSplitter s;
  auto d = feed(s, {"Hello ", "<b>world</b> <", "3"});
  EXPECT_EQ(d.reasoning, "");
  EXPECT_EQ(d.content, "Hello <b>world</b> <3");
}
