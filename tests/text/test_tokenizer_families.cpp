// Tokenizers shaped like the coming model families' tokenizer.json files (see
// tokenizer_families.h): exact ids and texts for the cases each family meets.
#include <gtest/gtest.h>

#include "text/tokenizer.h"
#include "text/tokenizer_families.h"

using namespace vole;
using Ids = std::vector<int32_t>;

namespace {

const std::string M = test::kMarker;

text::Tokenizer moonshine() {
  return text::Tokenizer::from_json(test::moonshine_style_json().dump(), "moonshine.json");
}
text::Tokenizer lfm2() { return text::Tokenizer::from_json(test::lfm2_style_json().dump(), "lfm2.json"); }

// Stream-decodes `ids` one at a time.
std::string streamed(const text::Tokenizer& tok, const Ids& ids, bool skip_special) {
  text::StreamDecoder stream(tok, skip_special);
  std::string out;
  for (int32_t id : ids) stream.push(id, out);
  return out + stream.flush();
}

}  // namespace

TEST(MoonshineStyleTokenizer, Vocabulary) {
  auto tok = moonshine();
  size_t base = test::moonshine_style_json()["model"]["vocab"].size();
  EXPECT_EQ(tok.vocab_size(), base + 8);
  EXPECT_EQ(tok.token_to_id("<<ST_0>>"), int32_t(base));
  EXPECT_TRUE(tok.is_special(int32_t(base + 7)));
  EXPECT_TRUE(tok.is_special(1));
  EXPECT_EQ(tok.token_to_id("<0x00>"), 3);
  EXPECT_EQ(tok.token_to_id("<0xFF>"), 258);
}

TEST(MoonshineStyleTokenizer, EncodesAsLlamaDoes) {
  auto tok = moonshine();
  Ids words = test::ids_of(tok, {M + "hello", M + "world"});
  EXPECT_EQ(tok.encode("hello world"), (Ids{1, words[0], words[1]}));
  EXPECT_EQ(tok.encode("hello world", {.add_special_tokens = false}), words);
  // "é" is not in the vocabulary: UTF-8 bytes C3 A9 as byte tokens.
  EXPECT_EQ(tok.encode("café", {.add_special_tokens = false}),
            test::ids_of(tok, {M, "c", "a", "f", "<0xC3>", "<0xA9>"}));
  // Special tokens written in the text are parsed, and the text after one gets its own "▁".
  int32_t st5 = *tok.token_to_id("<<ST_5>>");
  EXPECT_EQ(tok.encode("<<ST_5>>hello", {.add_special_tokens = false}), (Ids{st5, words[0]}));
}

TEST(MoonshineStyleTokenizer, DecodesATranscription) {
  // What the speech decoder generates: BOS, text tokens, maybe position tokens, EOS.
  auto tok = moonshine();
  Ids words = test::ids_of(tok, {M + "hello", M + "world"});
  int32_t st3 = *tok.token_to_id("<<ST_3>>");
  Ids generated = {1, words[0], st3, words[1], 2};
  EXPECT_EQ(tok.decode(generated, true), "hello world");
  EXPECT_EQ(tok.decode(generated), "<s> hello<<ST_3>> world</s>");
  for (bool skip : {false, true}) EXPECT_EQ(streamed(tok, generated, skip), tok.decode(generated, skip));
  Ids cafe = tok.encode("café, it's hello?", {.add_special_tokens = false});
  EXPECT_EQ(tok.decode(cafe), "café, it's hello?");
  EXPECT_EQ(streamed(tok, cafe, false), "café, it's hello?");
}

TEST(Lfm2StyleTokenizer, Vocabulary) {
  auto tok = lfm2();
  EXPECT_EQ(tok.token_to_id("<|startoftext|>"), 1);
  EXPECT_EQ(tok.token_to_id("<|im_start|>"), 6);
  EXPECT_EQ(tok.token_to_id("<|im_end|>"), 7);
  EXPECT_EQ(tok.token_to_id("\xC4\xA0world"), tok.token_to_id("\xC4\xA0wor").value() + 2);  // "Ġworld" after "ld"
  EXPECT_EQ(tok.token_bytes(*tok.token_to_id("\xC4\xA0world")), " world");
}

TEST(Lfm2StyleTokenizer, EncodesWithStartOfText) {
  auto tok = lfm2();
  Ids words = {*tok.token_to_id("Hello"), *tok.token_to_id("\xC4\xA0world")};
  EXPECT_EQ(tok.encode("Hello world"), (Ids{1, words[0], words[1]}));
  EXPECT_EQ(tok.encode("Hello world", {.add_special_tokens = false}), words);
}

TEST(Lfm2StyleTokenizer, SplitsLikeLlama3) {
  auto tok = lfm2();
  auto pieces = [&](std::string_view text) {
    return test::pieces_of(tok, tok.encode(text, {.add_special_tokens = false}));
  };
  // Digits in groups of at most three, contractions apart, newlines on their own.
  EXPECT_EQ(pieces("12345"), (std::vector<std::string>{"123", "45"}));
  EXPECT_EQ(pieces("It's"), (std::vector<std::string>{"It", "'s"}));
  EXPECT_EQ(pieces("Hi\n\nHello"), (std::vector<std::string>{"Hi", "\n", "\n", "Hello"}));
  // A chat turn as the template renders it.
  Ids turn = tok.encode("<|im_start|>user\nHi<|im_end|>\n", {.add_special_tokens = false});
  EXPECT_EQ(turn, (Ids{6, *tok.token_to_id("user"), *tok.token_to_id("\xC4\x8A"), *tok.token_to_id("Hi"), 7,
                       *tok.token_to_id("\xC4\x8A")}));
  EXPECT_EQ(tok.decode(turn), "<|im_start|>user\nHi<|im_end|>\n");
  EXPECT_EQ(tok.decode(turn, true), "user\nHi\n");
}

TEST(Lfm2StyleTokenizer, DecodeAndStreamRoundTrip) {
  auto tok = lfm2();
  const std::string text = "Hello world, it's 12345 — ça va? 日本語 \xF0\x9F\x99\x82\n";
  Ids ids = tok.encode(text);
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(tok.decode(ids, true), text);
  for (bool skip : {false, true}) EXPECT_EQ(streamed(tok, ids, skip), tok.decode(ids, skip));
}
