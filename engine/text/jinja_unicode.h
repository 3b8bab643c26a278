#pragma once
// Python's view of text for the Jinja engine: strings are sequences of code points, so
// len(), indexing, slicing, find() and the character classes (isspace, isprintable,
// upper/lower) follow Python's str rather than bytes. Text is stored as UTF-8.
#include <string>
#include <string_view>

namespace vole::text::jinja {

// Decodes UTF-8; an invalid byte decodes as U+FFFD (input is validated at the edges).
std::u32string to_u32(std::string_view utf8);
std::string to_utf8(std::u32string_view text);
// Jinja's argument order for text::append_utf8 (text/utf8.h).
void append_utf8(std::string& out, char32_t c);
// True if `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool valid_utf8(std::string_view text);
size_t count_code_points(std::string_view utf8);

// Python str character classes.
bool py_isspace(char32_t c);
bool py_isprintable(char32_t c);
bool py_isalpha(char32_t c);
bool py_isdecimal(char32_t c);
bool py_isdigit(char32_t c);
bool py_isnumeric(char32_t c);
bool py_iscased(char32_t c);
bool py_islower_char(char32_t c);
bool py_isupper_char(char32_t c);
bool py_istitle_char(char32_t c);  // general category Lt

// Python str case mapping (full Unicode mappings, as str.upper()/lower() do).
std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_title(std::string_view s);       // str.title()
std::string py_capitalize(std::string_view s);  // str.capitalize()
std::string py_swapcase(std::string_view s);

}  // namespace vole::text::jinja
