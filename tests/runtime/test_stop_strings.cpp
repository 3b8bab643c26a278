#include <gtest/gtest.h>

#include "runtime/stop_strings.h"

using vole::runtime::StopStringFilter;

static std::string feed(StopStringFilter& f, const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += f.push(p);
  return out;
}

TEST(StopStrings, PassesTextWithoutStops) {
  StopStringFilter f({});
  EXPECT_EQ(feed(f, {"hello", " world"}), "hello world");
  EXPECT_EQ(f.flush(), "");
}

TEST(StopStrings, StopsAcrossPieceBoundaries) {
  StopStringFilter f({"</answer>"});
  std::string out = feed(f, {"The answer is 42", "</ans", "wer> and more"});
  EXPECT_TRUE(f.stopped());
  EXPECT_EQ(out, "The answer is 42");
  EXPECT_EQ(f.push("ignored"), "");
}

TEST(StopStrings, HoldsBackOnlyWhatCouldStillMatch) {
  StopStringFilter f({"STOP"});
  EXPECT_EQ(f.push("abcST"), "abc");   // "ST" might start STOP
  EXPECT_EQ(f.push("xy"), "STxy");     // it did not
  EXPECT_EQ(f.push("S"), "");
  EXPECT_EQ(f.flush(), "S");           // end of generation releases it
  EXPECT_FALSE(f.stopped());
}

TEST(StopStrings, EarliestOfSeveralWins) {
  StopStringFilter f({"bb", "abc"});
  EXPECT_EQ(feed(f, {"xxabcbb"}), "xx");
}
