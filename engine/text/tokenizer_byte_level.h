#pragma once
// The GPT-2 byte <-> character mapping used by byte-level BPE vocabularies: every byte
// value stands for one printable character, so a vocabulary entry such as "Ġthe" is
// the bytes " the". Printable Latin-1 bytes map to themselves; the other 68 bytes
// (controls, space, DEL, NBSP, soft hyphen) map to U+0100 onwards in byte order.
#include <cstdint>
#include <string>
#include <string_view>

namespace vole::text {

char32_t byte_to_char(uint8_t byte);

// The byte a character stands for, or -1 if the character is not in the mapping.
int char_to_byte(char32_t c);

// Raw bytes -> vocabulary form (UTF-8 of the mapped characters).
std::string bytes_to_vocab_form(std::string_view bytes);

// Vocabulary form -> raw bytes. False (and `out` unspecified) if `token` is not valid
// UTF-8 or contains a character outside the mapping.
bool vocab_form_to_bytes(std::string_view token, std::string& out);

}  // namespace vole::text
