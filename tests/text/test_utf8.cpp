#include <gtest/gtest.h>

#include "text/utf8.h"

using namespace vole::text;

namespace {
const std::string kFffd = "\xEF\xBF\xBD";
}

TEST(Utf8, DecodesEveryLength) {
  for (char32_t c : {U'A', U'\u00E9', U'\u20AC', U'\U0001F600', U'\U0010FFFF'}) {
    std::string s;
    append_utf8(c, s);
    Utf8Char d = decode_utf8_char(s);
    EXPECT_TRUE(d.valid);
    EXPECT_EQ(d.code_point, c);
    EXPECT_EQ(d.length, s.size());
  }
}

TEST(Utf8, ValidityFollowsTable3_7) {
  EXPECT_TRUE(is_valid_utf8("plain ascii, long enough for the 8-byte path"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\x80"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("abcdefgh\x80"));      // lone continuation after the fast path
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
}

TEST(Utf8, SanitizeReplacesMaximalSubparts) {
  // One U+FFFD per maximal ill-formed subpart (the WHATWG / Unicode 3.9 practice).
  EXPECT_EQ(sanitize_utf8("a\xE2\x82" "b"), "a" + kFffd + "b");           // truncated 3-byte char: one
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);       // surrogate: ED is not a prefix
  EXPECT_EQ(sanitize_utf8("\xC0\x80"), kFffd + kFffd);
  EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98"), kFffd);                        // truncated emoji at the end
  EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98\xF0\x9F\x98\x80"), kFffd + "\xF0\x9F\x98\x80");
  EXPECT_EQ(sanitize_utf8("\x80\x80"), kFffd + kFffd);
  EXPECT_EQ(sanitize_utf8("\xFF"), kFffd);
  EXPECT_EQ(sanitize_utf8("ok \xC3\xA9"), "ok \xC3\xA9");
}

TEST(Utf8, IncompleteTailIsOnlyAWellFormedPrefix) {
  EXPECT_EQ(incomplete_utf8_tail(""), 0u);
  EXPECT_EQ(incomplete_utf8_tail("abc"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("a\xE2"), 1u);
  EXPECT_EQ(incomplete_utf8_tail("a\xE2\x82"), 2u);
  EXPECT_EQ(incomplete_utf8_tail("a\xE2\x82\xAC"), 0u);  // complete
  EXPECT_EQ(incomplete_utf8_tail("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(incomplete_utf8_tail("\xED\xA0"), 0u);       // can never complete: emit now
  EXPECT_EQ(incomplete_utf8_tail("\x80"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("\xE2\x82\x82"), 0u);   // complete (if odd) character
}

TEST(Utf8, LastCodePoint) {
  EXPECT_EQ(last_code_point(""), 0u);
  EXPECT_EQ(last_code_point("ab"), U'b');
  EXPECT_EQ(last_code_point("x\xE2\x82\xAC"), U'\u20AC');
  EXPECT_EQ(last_code_point("x\xE2\x82"), kReplacementChar);
}
