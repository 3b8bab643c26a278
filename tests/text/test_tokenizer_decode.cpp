// decode() and the streaming decoder.
#include <gtest/gtest.h>

#include <random>

#include "text/tokenizer_fixture.h"
#include "text/utf8.h"
#include "util/error.h"

using namespace vole;
using test::Json;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

// No merges: byte b is token id b, so tests can feed any byte sequence.
text::Tokenizer bytes_tokenizer() {
  test::TokenizerSpec s;
  s.added_tokens = Json::array({test::added_token(300, "<|im_end|>", true), test::added_token(301, "<think>", false)});
  return test::make_tokenizer(s);
}

std::vector<int32_t> byte_ids(const std::string& bytes) {
  std::vector<int32_t> ids;
  for (unsigned char c : bytes) ids.push_back(c);
  return ids;
}

}  // namespace

TEST(Decode, RoundTripsTextAndHandlesInvalidBytes) {
  auto tok = bytes_tokenizer();
  std::string text = "caf\xC3\xA9 \xF0\x9F\x98\x80 <think>x<|im_end|>";
  EXPECT_EQ(tok.decode(tok.encode(text)), text);
  EXPECT_EQ(tok.decode(tok.encode(text), true), "caf\xC3\xA9 \xF0\x9F\x98\x80 <think>x");
  EXPECT_EQ(tok.decode(byte_ids("a\xE2\x82")), "a" + kFffd);
  EXPECT_EQ(tok.decode(byte_ids("\xED\xA0\x80")), kFffd + kFffd + kFffd);
  // Invalid input text is encoded as its U+FFFD replacement.
  EXPECT_EQ(tok.decode(tok.encode("x\xC0y")), "x" + kFffd + "y");
}

TEST(Decode, IdsWithoutTextDecodeToNothing) {
  auto tok = bytes_tokenizer();
  EXPECT_EQ(tok.vocab_size(), 302u);
  EXPECT_EQ(tok.decode(std::vector<int32_t>{65, 256, 302, 1 << 30, 66}), "AB");  // 256..299: no token
  EXPECT_EQ(tok.token_bytes(302), "");
  EXPECT_THROW(tok.decode(std::vector<int32_t>{-1}), Error);
  text::StreamDecoder stream(tok);
  EXPECT_EQ(stream.push(0xE2), "");
  EXPECT_EQ(stream.push(5000), "");  // padding id: nothing, and the pending byte waits on
  EXPECT_EQ(stream.push(0x82), "");
  EXPECT_EQ(stream.push(0xAC), "\xE2\x82\xAC");
  EXPECT_THROW(stream.push(-3), Error);
}

TEST(StreamDecoder, NeverEmitsHalfACharacter) {
  auto tok = bytes_tokenizer();
  text::StreamDecoder stream(tok);
  std::vector<std::string> got;
  for (int32_t id : byte_ids("a\xE2\x82\xAC\xF0\x9F\x98\x80" "b")) got.push_back(stream.push(id));
  EXPECT_EQ(got, (std::vector<std::string>{"a", "", "", "\xE2\x82\xAC", "", "", "", "\xF0\x9F\x98\x80", "b"}));
  EXPECT_EQ(stream.pending_bytes(), 0u);
  EXPECT_EQ(stream.flush(), "");
}

TEST(StreamDecoder, MultiByteTokensSplittingACharacter) {
  test::TokenizerSpec s;
  s.merges = {{"\xE2", "\x82"}, {"\xAC", "!"}};  // "€!" as [E2 82] [AC '!']
  s.pre_tokenizer = test::byte_level_pre_tokenizer(false, false);
  auto tok = test::make_tokenizer(s);
  auto ids = tok.encode("\xE2\x82\xAC!");
  ASSERT_EQ(ids.size(), 2u);
  text::StreamDecoder stream(tok);
  EXPECT_EQ(stream.push(ids[0]), "");
  EXPECT_EQ(stream.pending_bytes(), 2u);
  EXPECT_EQ(stream.push(ids[1]), "\xE2\x82\xAC!");
}

TEST(StreamDecoder, FlushReplacesATruncatedTail) {
  auto tok = bytes_tokenizer();
  text::StreamDecoder stream(tok);
  EXPECT_EQ(stream.push(0xF0), "");
  EXPECT_EQ(stream.push(0x9F), "");
  EXPECT_EQ(stream.flush(), kFffd);
  EXPECT_EQ(stream.flush(), "");
  // reset() drops pending bytes instead.
  stream.push(0xE2);
  stream.reset();
  EXPECT_EQ(stream.push('x'), "x");
}

TEST(StreamDecoder, BytesThatCanNeverCompleteAreEmittedAtOnce) {
  auto tok = bytes_tokenizer();
  text::StreamDecoder stream(tok);
  EXPECT_EQ(stream.push(0x80), kFffd);             // lone continuation byte
  EXPECT_EQ(stream.push(0xED), "");                // could still become U+D000..U+D7FF
  EXPECT_EQ(stream.push(0xA0), kFffd + kFffd);     // ED A0 is a surrogate: never valid
  EXPECT_EQ(stream.push(0xE2), "");
  EXPECT_EQ(stream.push(300), kFffd + "<|im_end|>");  // a special token ends the character
}

TEST(StreamDecoder, SkipsSpecialTokensWhenAsked) {
  auto tok = bytes_tokenizer();
  text::StreamDecoder stream(tok, true);
  EXPECT_EQ(stream.push(0xE2), "");
  EXPECT_EQ(stream.push(300), "");  // skipped: the pending bytes keep waiting
  EXPECT_EQ(stream.push(0x82), "");
  EXPECT_EQ(stream.push(0xAC), "\xE2\x82\xAC");
  EXPECT_EQ(stream.push(301), "<think>");
}

TEST(StreamDecoder, ConcatenationEqualsDecodeOnRandomBytes) {
  auto tok = bytes_tokenizer();
  std::mt19937 rng(7);
  // Bytes drawn mostly from UTF-8 lead/continuation ranges so both valid and broken
  // characters are common.
  const std::vector<uint8_t> pool{'a', ' ', 0x80, 0x8F, 0x9F, 0xA0, 0xBF, 0xC2, 0xC3, 0xDF, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<int32_t> ids;
    for (size_t n = rng() % 24; n > 0; --n) ids.push_back(rng() % 10 == 0 ? 300 : pool[rng() % pool.size()]);
    for (bool skip : {false, true}) {
      text::StreamDecoder stream(tok, skip);
      std::string streamed;
      for (int32_t id : ids) {
        std::string piece = stream.push(id);
        ASSERT_TRUE(text::is_valid_utf8(piece));
        ASSERT_LE(stream.pending_bytes(), 3u);
        streamed += piece;
      }
      streamed += stream.flush();
      ASSERT_EQ(streamed, tok.decode(ids, skip)) << "trial " << trial;
    }
  }
}
