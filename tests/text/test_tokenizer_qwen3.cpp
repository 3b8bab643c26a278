// The real Qwen3 tokenizer.json (from the npm oracle package): known ids and the API.
#include <gtest/gtest.h>

#include "support/oracles.h"
#include "text/tokenizer.h"

using namespace vole;

namespace {

const text::Tokenizer* qwen3() {
  static std::unique_ptr<text::Tokenizer> tok;
  if (!tok && test::oracle_available(test::qwen3_tokenizer_dir() / "tokenizer.json"))
    tok = std::make_unique<text::Tokenizer>(text::Tokenizer::load(test::qwen3_tokenizer_dir()));
  return tok.get();
}

#define REQUIRE_QWEN3()                                       \
  const text::Tokenizer* tok = qwen3();                       \
  if (!tok) GTEST_SKIP() << "Qwen3 tokenizer oracle missing"; \
  (void)0

using Ids = std::vector<int32_t>;

}  // namespace

TEST(Qwen3Tokenizer, VocabularyAndSpecialTokens) {
  REQUIRE_QWEN3();
  EXPECT_EQ(tok->vocab_size(), 151669u);
  EXPECT_EQ(tok->added_tokens().size(), 26u);
  EXPECT_EQ(tok->token_to_id("<|endoftext|>"), 151643);
  EXPECT_EQ(tok->token_to_id("<|im_start|>"), 151644);
  EXPECT_EQ(tok->token_to_id("<|im_end|>"), 151645);
  EXPECT_EQ(tok->token_to_id("<think>"), 151667);
  EXPECT_TRUE(tok->is_special(151645));
  EXPECT_FALSE(tok->is_special(151667));  // <think> is an added token but not special
  EXPECT_EQ(tok->token_to_id("\xC4\xA0the"), 279);  // "Ġthe"
  EXPECT_EQ(tok->id_to_token(279), "\xC4\xA0the");
  EXPECT_EQ(tok->token_bytes(279), " the");
  EXPECT_FALSE(tok->token_to_id("no such token").has_value());
  EXPECT_FALSE(tok->id_to_token(151669).has_value());
}

TEST(Qwen3Tokenizer, KnownEncodings) {
  REQUIRE_QWEN3();
  // Ids produced by @lenml/tokenizers with the same file.
  EXPECT_EQ(tok->encode("Hello world"), (Ids{9707, 1879}));
  EXPECT_EQ(tok->encode("The quick brown fox can't jump 123 times!"),
            (Ids{785, 3974, 13876, 38835, 646, 944, 7784, 220, 16, 17, 18, 3039, 0}));
  EXPECT_EQ(tok->encode("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"),
            (Ids{151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198, 151667, 271, 151668, 271}));
  EXPECT_EQ(tok->encode("\xF0\x93\x80\x80\xF0\x93\x80\x81"), (Ids{124373, 222, 222, 124373, 222, 223}));
}

TEST(Qwen3Tokenizer, SpecialTokenParsingCanBeTurnedOff) {
  REQUIRE_QWEN3();
  Ids plain = tok->encode("<|im_end|>", false);
  EXPECT_GT(plain.size(), 1u);
  for (int32_t id : plain) EXPECT_LT(id, 151643);
  EXPECT_EQ(tok->decode(plain), "<|im_end|>");
}

TEST(Qwen3Tokenizer, StreamingACharacterSplitAcrossTokens) {
  REQUIRE_QWEN3();
  // U+13000 (Egyptian hieroglyph) is three tokens: [F0 93] [80] [80].
  EXPECT_EQ(tok->token_bytes(124373), "\xF0\x93");
  text::StreamDecoder stream(*tok);
  EXPECT_EQ(stream.push(124373), "");
  EXPECT_EQ(stream.push(222), "");
  EXPECT_EQ(stream.push(222), "\xF0\x93\x80\x80");
  EXPECT_EQ(stream.push(9707), "Hello");
  EXPECT_EQ(tok->decode(Ids{151644, 872, 198, 13048, 151645}, true), "user\nHi");
}
