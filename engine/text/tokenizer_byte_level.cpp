#include "text/tokenizer_byte_level.h"

#include <array>

#include "text/utf8.h"

namespace vole::text {

namespace {

bool maps_to_itself(unsigned b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

struct Tables {
  std::array<char32_t, 256> to_char{};
  std::array<int16_t, 512> to_byte{};  // every mapped character is below U+0200
  Tables() {
    to_byte.fill(-1);
    char32_t next = 0x100;
    for (unsigned b = 0; b < 256; ++b) {
      char32_t c = maps_to_itself(b) ? b : next++;
      to_char[b] = c;
      to_byte[c] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

char32_t byte_to_char(uint8_t byte) { return tables().to_char[byte]; }

int char_to_byte(char32_t c) { return c < 512 ? tables().to_byte[c] : -1; }

std::string bytes_to_vocab_form(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char b : bytes) append_utf8(byte_to_char(static_cast<uint8_t>(b)), out);
  return out;
}

bool vocab_form_to_bytes(std::string_view token, std::string& out) {
  out.clear();
  while (!token.empty()) {
    Utf8Char ch = decode_utf8_char(token);
    int b = ch.valid ? char_to_byte(ch.code_point) : -1;
    if (b < 0) return false;
    out.push_back(static_cast<char>(b));
    token.remove_prefix(ch.length);
  }
  return true;
}

}  // namespace vole::text
