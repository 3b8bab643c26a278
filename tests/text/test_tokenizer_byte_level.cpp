#include <gtest/gtest.h>

#include <set>

#include "text/tokenizer_byte_level.h"

using namespace vole::text;

TEST(ByteLevel, MappingIsABijectionOntoPrintableCharacters) {
  std::set<char32_t> seen;
  for (int b = 0; b < 256; ++b) {
    char32_t c = byte_to_char(uint8_t(b));
    EXPECT_TRUE(seen.insert(c).second) << "byte " << b;
    EXPECT_EQ(char_to_byte(c), b);
    EXPECT_LT(c, 0x144u);
  }
  EXPECT_EQ(char_to_byte(U'\u0144'), -1);
  EXPECT_EQ(char_to_byte(U'\u4E00'), -1);
}

TEST(ByteLevel, KnownGpt2Characters) {
  EXPECT_EQ(byte_to_char('A'), U'A');
  EXPECT_EQ(byte_to_char('~'), U'~');
  EXPECT_EQ(byte_to_char(0xE9), U'\u00E9');  // printable Latin-1 stays
  EXPECT_EQ(byte_to_char(0x00), U'\u0100');
  EXPECT_EQ(byte_to_char(' '), U'\u0120');   // 'Ġ'
  EXPECT_EQ(byte_to_char('\n'), U'\u010A');  // 'Ċ'
  EXPECT_EQ(byte_to_char(0x7F), U'\u0121');
  EXPECT_EQ(byte_to_char(0xA0), U'\u0142');
  EXPECT_EQ(byte_to_char(0xAD), U'\u0143');
}

TEST(ByteLevel, VocabFormRoundTrip) {
  std::string raw = " the\n\xE2\x82\xAC";
  std::string form = bytes_to_vocab_form(raw);
  EXPECT_EQ(form, "\xC4\xA0the\xC4\x8A\xC3\xA2\xC4\xA4\xC2\xAC");  // "ĠtheĊâĤ¬"
  std::string back;
  ASSERT_TRUE(vocab_form_to_bytes(form, back));
  EXPECT_EQ(back, raw);
  EXPECT_FALSE(vocab_form_to_bytes("<|im_end|> ", back));  // a real space is not a mapped character
  EXPECT_FALSE(vocab_form_to_bytes("\xE4\xB8\x80", back));  // U+4E00
}
