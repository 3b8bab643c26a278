#pragma once
// UTF-8 helpers shared by the tokenizer and anything that handles model text.
// Invalid input is never an error here: each maximal ill-formed subpart (Unicode 3.9,
// "U+FFFD substitution of maximal subparts", the same rule as WHATWG TextDecoder and
// Rust's from_utf8_lossy) becomes one U+FFFD.
#include <cstddef>
#include <string>
#include <string_view>

namespace vole::text {

inline constexpr char32_t kReplacementChar = 0xFFFD;

struct Utf8Char {
  char32_t code_point;  // kReplacementChar when !valid
  size_t length;        // bytes consumed: the character, or the maximal ill-formed subpart (>= 1)
  bool valid;
};

// Decodes the character at the start of `bytes` (which must not be empty).
Utf8Char decode_utf8_char(std::string_view bytes);

// Code point of the last character of `bytes` (kReplacementChar if it ends ill-formed,
// 0 if empty). Used for word-boundary checks.
char32_t last_code_point(std::string_view bytes);

bool is_valid_utf8(std::string_view bytes);

// Appends `bytes` with every maximal ill-formed subpart replaced by U+FFFD.
void append_sanitized_utf8(std::string_view bytes, std::string& out);
std::string sanitize_utf8(std::string_view bytes);

// Length of the trailing bytes of `bytes` that form the beginning of a well-formed
// character that is not complete yet (0..3). Everything before that point can be
// decoded now without ever splitting a character.
size_t incomplete_utf8_tail(std::string_view bytes);

void append_utf8(char32_t code_point, std::string& out);

}  // namespace vole::text
