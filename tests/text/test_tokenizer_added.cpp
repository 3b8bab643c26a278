// Added tokens: whole-string matching before BPE, with HF's lstrip / rstrip /
// single_word / normalized rules.
#include <gtest/gtest.h>

#include "text/tokenizer_fixture.h"

using namespace vole;
using test::Json;
using V = std::vector<std::string>;

namespace {

constexpr int kFirst = 1000;

text::Tokenizer with_added(Json added, std::vector<std::pair<std::string, std::string>> merges = {}) {
  test::TokenizerSpec s;
  s.merges = std::move(merges);
  s.added_tokens = std::move(added);
  return test::make_tokenizer(s);
}

// The segmentation: added tokens as [content], the text between them joined.
V show(const text::Tokenizer& tok, const std::vector<int32_t>& ids) {
  V out;
  bool in_text = false;
  for (int32_t id : ids) {
    if (id >= kFirst) {
      out.push_back("[" + *tok.id_to_token(id) + "]");
      in_text = false;
    } else {
      if (!in_text) out.emplace_back();
      out.back() += tok.token_bytes(id);
      in_text = true;
    }
  }
  return out;
}

}  // namespace

TEST(AddedTokens, SpecialTokensAreMatchedWhole) {
  auto tok = with_added(Json::array({test::added_token(kFirst, "<|im_end|>", true)}), {{"h", "i"}});
  EXPECT_EQ(show(tok, tok.encode("hi<|im_end|>\nhi")), (V{"hi", "[<|im_end|>]", "\nhi"}));
  EXPECT_EQ(show(tok, tok.encode("<|im_end|><|im_end|>")), (V{"[<|im_end|>]", "[<|im_end|>]"}));
  EXPECT_EQ(show(tok, tok.encode("<|im_end|")), (V{"<|im_end|"}));
  EXPECT_EQ(tok.encode("hi")[0], test::id_of(tok, "hi"));
  EXPECT_TRUE(tok.is_special(kFirst));
  EXPECT_EQ(tok.token_to_id("<|im_end|>"), kFirst);
  EXPECT_EQ(tok.vocab_size(), size_t(kFirst + 1));
}

TEST(AddedTokens, LeftmostLongestWins) {
  auto tok = with_added(Json::array({test::added_token(kFirst, "<a>", true), test::added_token(kFirst + 1, "<a><b>", true),
                                     test::added_token(kFirst + 2, "a><b", true)}));
  EXPECT_EQ(show(tok, tok.encode("<a><b>")), (V{"[<a><b>]"}));
  EXPECT_EQ(show(tok, tok.encode("<a><c>")), (V{"[<a>]", "<c>"}));
  EXPECT_EQ(show(tok, tok.encode("x<a><b")), (V{"x", "[<a>]", "<b"}));  // leftmost beats the later "a><b"
}

TEST(AddedTokens, ParsingSpecialTokensCanBeTurnedOff) {
  auto tok = with_added(Json::array({test::added_token(kFirst, "<|im_end|>", true), test::added_token(kFirst + 1, "<think>", false)}));
  EXPECT_EQ(show(tok, tok.encode("<think><|im_end|>", false)), (V{"[<think>]", "<|im_end|>"}));
  EXPECT_EQ(show(tok, tok.encode("<think><|im_end|>", true)), (V{"[<think>]", "[<|im_end|>]"}));
}

TEST(AddedTokens, LstripAndRstripAbsorbWhitespace) {
  auto tok = with_added(Json::array({test::added_token(kFirst, "<mask>", false, true, true)}));
  EXPECT_EQ(show(tok, tok.encode("Hi <mask> there\t<mask>\t<mask>\xE2\x80\x80")),
            (V{"Hi", "[<mask>]", "there", "[<mask>]", "[<mask>]"}));
  auto left = with_added(Json::array({test::added_token(kFirst, "<m>", false, true, false)}));
  EXPECT_EQ(show(left, left.encode("a  <m> b")), (V{"a", "[<m>]", " b"}));
  auto right = with_added(Json::array({test::added_token(kFirst, "<m>", false, false, true)}));
  EXPECT_EQ(show(right, right.encode("a  <m> b")), (V{"a  ", "[<m>]", "b"}));
}

TEST(AddedTokens, SingleWordNeedsWordBoundaries) {
  auto tok = with_added(Json::array({test::added_token(kFirst, "<mask>", false, false, false, true)}));
  auto ids = tok.encode("<mask> my <mask> a<mask> <mask>ony <mask>");
  int count = 0;
  for (int32_t id : ids) count += id == kFirst;
  EXPECT_EQ(count, 3);
  EXPECT_EQ(ids.front(), kFirst);
  EXPECT_EQ(ids.back(), kFirst);
  // Punctuation is no word character; a combining mark is.
  auto uni = tok.encode("<mask>, <mask>- \xE2\x97\x8C\xCC\xB0<mask>");
  count = 0;
  for (int32_t id : uni) count += id == kFirst;
  EXPECT_EQ(count, 2);
  EXPECT_NE(uni.back(), kFirst);
}

TEST(AddedTokens, NormalizedTokensMatchTheNormalizedText) {
  // Content written decomposed; with normalized=true it is matched after NFC.
  auto tok = with_added(Json::array({test::added_token(kFirst, "e\xCC\x81t\xC3\xA9", false, false, false, false, true),
                                     test::added_token(kFirst + 1, "o\xCC\x81k", false, false, false, false, false)}));
  EXPECT_EQ(tok.encode("\xC3\xA9t\xC3\xA9")[0], kFirst);          // precomposed text
  EXPECT_EQ(tok.encode("e\xCC\x81te\xCC\x81")[0], kFirst);        // decomposed text, normalized first
  EXPECT_EQ(tok.encode("o\xCC\x81k")[0], kFirst + 1);             // raw match before normalization
  EXPECT_NE(tok.encode("\xC3\xB3k")[0], kFirst + 1);              // precomposed: no raw match
}

TEST(AddedTokens, DecodeToTheirContent) {
  auto tok = with_added(Json::array({test::added_token(kFirst, "<|im_end|>", true), test::added_token(kFirst + 1, "<think>", false)}));
  std::string text = "a<think>b<|im_end|>c";
  auto ids = tok.encode(text);
  EXPECT_EQ(tok.decode(ids), text);
  EXPECT_EQ(tok.decode(ids, true), "a<think>bc");
  ASSERT_EQ(tok.added_tokens().size(), 2u);
  EXPECT_EQ(tok.added_tokens()[1].content, "<think>");
  EXPECT_FALSE(tok.added_tokens()[1].special);
}
