// The split regex (PCRE2) and the pre-tokenizer steps built on it.
#include <gtest/gtest.h>

#include <chrono>

#include "text/tokenizer_fixture.h"
#include "text/tokenizer_pretokenizer.h"
#include "text/tokenizer_regex.h"
#include "util/error.h"

using namespace vole;
using namespace vole::text;

namespace {

const std::string kFile = "test.json";

std::vector<std::string> split_with(const Json& pre_tokenizer, std::string_view text) {
  PreTokenizer p = PreTokenizer::from_json(&pre_tokenizer, JsonPath(kFile, "pre_tokenizer"));
  PreTokenizerScratch scratch;
  std::vector<std::string> pieces;
  auto collect = [&](std::string_view piece) { pieces.emplace_back(piece); };
  p.for_each_piece(text, scratch, collect);
  return pieces;
}

std::vector<std::string> qwen3(std::string_view text) { return split_with(test::split_pre_tokenizer(test::kQwen3Pattern), text); }
std::vector<std::string> qwen35(std::string_view text) { return split_with(test::split_pre_tokenizer(test::kQwen35Pattern), text); }

using V = std::vector<std::string>;

}  // namespace

TEST(SplitRegex, WordsSpacesAndPunctuation) {
  EXPECT_EQ(qwen3("Hello world"), (V{"Hello", " world"}));
  EXPECT_EQ(qwen3("foo.bar()"), (V{"foo", ".bar", "()"}));
  EXPECT_EQ(qwen3("a   b"), (V{"a", "  ", " b"}));
  EXPECT_EQ(qwen3("end ?!\n\nnext"), (V{"end", " ?!\n\n", "next"}));
  EXPECT_EQ(qwen3("   "), (V{"   "}));
  EXPECT_EQ(qwen3(""), V{});
}

TEST(SplitRegex, ContractionsAreCaseInsensitive) {
  EXPECT_EQ(qwen3("DON'T you're I'M"), (V{"DON", "'T", " you", "'re", " I", "'M"}));
  EXPECT_EQ(qwen3("we'Ll"), (V{"we", "'Ll"}));
  // The Unicode case folding of PCRE2 and Oniguruma (HF) both let 's' match U+017F.
  EXPECT_EQ(qwen3("it'\xC5\xBFx"), (V{"it", "'\xC5\xBF", "x"}));
  EXPECT_EQ(qwen3("it\xE2\x80\x99s"), (V{"it", "\xE2\x80\x99s"}));  // a curly apostrophe is no contraction
}

TEST(SplitRegex, DigitsOneByOne) {
  EXPECT_EQ(qwen3("x12.5"), (V{"x", "1", "2", ".", "5"}));
  EXPECT_EQ(qwen3("\xD9\xA1\xD9\xA2"), (V{"\xD9\xA1", "\xD9\xA2"}));  // Arabic-Indic digits are \p{N}
}

TEST(SplitRegex, NewlinesAndWhitespaceRuns) {
  EXPECT_EQ(qwen3("a\n\nb"), (V{"a", "\n\n", "b"}));
  EXPECT_EQ(qwen3("x  \n  y"), (V{"x", "  \n", " ", " y"}));
  EXPECT_EQ(qwen3("a\r\n\tb"), (V{"a", "\r\n", "\tb"}));
  EXPECT_EQ(qwen3("a\t\t"), (V{"a", "\t\t"}));
}

TEST(SplitRegex, WhitespaceIsTheUnicodeWhiteSpaceProperty) {
  // U+0085 (NEL) is White_Space (as in Oniguruma, which HF runs the pattern with) ...
  EXPECT_EQ(qwen3("x\xC2\x85\xC2\x85y"), (V{"x", "\xC2\x85", "\xC2\x85y"}));
  // ... U+180E is not (PCRE2's own \s would say it is), nor is U+FEFF.
  EXPECT_EQ(qwen3("x\xE1\xA0\x8E\xE1\xA0\x8Ey"), (V{"x", "\xE1\xA0\x8E\xE1\xA0\x8E", "y"}));
  EXPECT_EQ(qwen3("x \xEF\xBB\xBFy"), (V{"x", " \xEF\xBB\xBF", "y"}));
  EXPECT_EQ(translate_hf_pattern(R"(\s+(?!\S)|[^\s\\s])"), R"(\p{White_Space}+(?!\P{White_Space})|[^\p{White_Space}\\s])");
}

TEST(SplitRegex, Qwen35KeepsCombiningMarksInWords) {
  // Devanagari "namaste": the virama and vowel sign are marks (\p{M}), not letters.
  const char* namaste = "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87";
  EXPECT_EQ(qwen35(namaste), (V{namaste}));
  EXPECT_EQ(qwen3(namaste), (V{"\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8", "\xE0\xA5\x8D\xE0\xA4\xA4", "\xE0\xA5\x87"}));
  // A mark with no letter before it.
  EXPECT_EQ(qwen35(" \xCC\x81x"), (V{" \xCC\x81x"}));
}

TEST(SplitRegex, LongRunsAreLinear) {
  std::string text(1 << 20, ' ');
  text += "x";
  text += std::string(1 << 19, 'a');
  text += std::string(1 << 19, '\n');
  auto start = std::chrono::steady_clock::now();
  V pieces = qwen35(text);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].size(), (1u << 20) - 1);
  EXPECT_EQ(pieces[1].size(), (1u << 19) + 2);
  EXPECT_LT(seconds, 2.0);
}

TEST(SplitRegex, EmptyMatchesFollowTheRustIteration) {
  Regex re("x*", Regex::Syntax::Pattern, "test");
  RegexScratch scratch;
  std::vector<Span> m;
  re.find_all("axxb", m, scratch);
  // Empty at 0, "xx" at 1..3, the empty match at 3 touches it and is dropped, empty at 4.
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].begin, 0u);
  EXPECT_EQ(m[0].end, 0u);
  EXPECT_EQ(m[1].begin, 1u);
  EXPECT_EQ(m[1].end, 3u);
  EXPECT_EQ(m[2].begin, 4u);
}

TEST(SplitRegex, BadPatternIsAnErrorNamingIt) {
  try {
    Regex re("(unclosed", Regex::Syntax::Pattern, "tokenizer.json: pre_tokenizer.pattern.Regex");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidFile);
    EXPECT_NE(std::string(e.what()).find("pre_tokenizer.pattern.Regex"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(unclosed"), std::string::npos) << e.what();
  }
}

TEST(SplitBehaviors, EachBehaviorCutsLikeHf) {
  // "a-b--c" split on "-": matches at [1,2), [3,4), [4,5).
  std::vector<Span> matches{{1, 2}, {3, 4}, {4, 5}};
  auto cut = [&](SplitBehavior b, bool invert) {
    std::vector<Span> out;
    split_by_matches(matches, 0, 6, b, invert, out);
    V pieces;
    for (auto& s : out) pieces.push_back(std::string("a-b--c").substr(s.begin, s.end - s.begin));
    return pieces;
  };
  EXPECT_EQ(cut(SplitBehavior::Removed, false), (V{"a", "b", "c"}));
  EXPECT_EQ(cut(SplitBehavior::Isolated, false), (V{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(cut(SplitBehavior::MergedWithPrevious, false), (V{"a-", "b-", "-", "c"}));
  EXPECT_EQ(cut(SplitBehavior::MergedWithNext, false), (V{"a", "-b", "-", "-c"}));
  EXPECT_EQ(cut(SplitBehavior::Contiguous, false), (V{"a", "-", "b", "--", "c"}));
  EXPECT_EQ(cut(SplitBehavior::Removed, true), (V{"-", "-", "-"}));
}

TEST(PreTokenizer, LiteralPatternAndBehaviorNames) {
  Json p{{"type", "Split"}, {"pattern", {{"String", "."}}}, {"behavior", "MergedWithPrevious"}, {"invert", false}};
  EXPECT_EQ(split_with(p, "a.b.c"), (V{"a.", "b.", "c"}));  // "." is literal, not "any character"
}

TEST(PreTokenizer, ByteLevelPrefixSpaceAndGpt2Regex) {
  EXPECT_EQ(split_with(test::byte_level_pre_tokenizer(true, true), "Hello world's 42"),
            (V{" Hello", " world", "'s", " 42"}));
  EXPECT_EQ(split_with(test::byte_level_pre_tokenizer(false, true), "Hello  world"), (V{"Hello", " ", " world"}));
  EXPECT_EQ(split_with(test::byte_level_pre_tokenizer(true, false), " already"), (V{" already"}));
  // In a Sequence, every piece of the previous step gets its own prefix space.
  Json seq{{"type", "Sequence"},
           {"pretokenizers", Json::array({test::split_pre_tokenizer(" ", "Removed"), test::byte_level_pre_tokenizer(true, false)})}};
  EXPECT_EQ(split_with(seq, "a b"), (V{" a", " b"}));
}

TEST(PreTokenizer, UnsupportedTypeIsNamed) {
  Json p{{"type", "Sequence"}, {"pretokenizers", Json::array({Json{{"type", "Whitespace"}}})}};
  try {
    split_with(p, "x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    std::string msg = e.what();
    EXPECT_NE(msg.find("'Whitespace'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("pre_tokenizer.pretokenizers[0]"), std::string::npos) << msg;
  }
}
