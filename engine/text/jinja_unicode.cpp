#include "text/jinja_unicode.h"

#include "text/utf8.h"

#include <unicode/ucasemap.h>
#include <unicode/uchar.h>

#include <memory>

#include "util/error.h"

namespace vole::text::jinja {

namespace {

// Length of the UTF-8 sequence starting at s[i] and its code point; 0 length if invalid.
struct Decoded {
  char32_t cp;
  size_t len;
};

Decoded decode_one(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return {c, 1};
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
  if (len == 0 || c > 0xF4 || i + len > s.size()) return {0xFFFD, 0};
  char32_t cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return {0xFFFD, 0};
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static const char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 0};
  return {cp, len};
}

struct CaseMapCloser {
  void operator()(UCaseMap* m) const { ucasemap_close(m); }
};
using CaseMapPtr = std::unique_ptr<UCaseMap, CaseMapCloser>;

CaseMapPtr open_case_map(uint32_t options) {
  UErrorCode err = U_ZERO_ERROR;
  // "" is ICU's root locale: language-neutral mappings, as Python uses.
  CaseMapPtr m(ucasemap_open("", options, &err));
  if (U_FAILURE(err)) fail(ErrorCode::Internal, std::string("ICU case map: ") + u_errorName(err));
  return m;
}

using CaseFn = int32_t (*)(const UCaseMap*, char*, int32_t, const char*, int32_t, UErrorCode*);

std::string map_case(const UCaseMap* m, CaseFn fn, std::string_view s) {
  if (s.empty()) return {};
  std::string out(s.size() * 3 + 8, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = fn(m, out.data(), static_cast<int32_t>(out.size()), s.data(), static_cast<int32_t>(s.size()), &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
      out.resize(static_cast<size_t>(n) + 1);
      continue;
    }
    if (U_FAILURE(err)) fail(ErrorCode::Internal, std::string("ICU case mapping: ") + u_errorName(err));
    out.resize(static_cast<size_t>(n));
    return out;
  }
  fail(ErrorCode::Internal, "ICU case mapping did not converge");
}

int32_t to_title_whole(const UCaseMap* m, char* dest, int32_t cap, const char* src, int32_t len, UErrorCode* err) {
  return ucasemap_utf8ToTitle(const_cast<UCaseMap*>(m), dest, cap, src, len, err);
}

const UCaseMap* plain_map() {
  thread_local CaseMapPtr m = open_case_map(0);
  return m.get();
}

const UCaseMap* title_map() {
  thread_local CaseMapPtr m = open_case_map(U_TITLECASE_WHOLE_STRING | U_TITLECASE_NO_BREAK_ADJUSTMENT);
  return m.get();
}

std::string char_utf8(char32_t c) {
  std::string s;
  append_utf8(s, c);
  return s;
}

}  // namespace

std::u32string to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    Decoded d = decode_one(s, i);
    out.push_back(d.cp);
    i += d.len ? d.len : 1;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) { text::append_utf8(c, out); }

std::string to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    Decoded d = decode_one(s, i);
    if (d.len == 0) return false;
    i += d.len;
  }
  return true;
}

size_t count_code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool py_isspace(char32_t c) {
  switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x1C: case 0x1D: case 0x1E: case 0x1F:
    case 0x20: case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

bool py_isprintable(char32_t c) {
  if (c < 0x80) return c >= 0x20 && c < 0x7F;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONTROL_CHAR: case U_FORMAT_CHAR: case U_SURROGATE: case U_PRIVATE_USE_CHAR: case U_UNASSIGNED:
    case U_LINE_SEPARATOR: case U_PARAGRAPH_SEPARATOR: case U_SPACE_SEPARATOR:
      return false;
    default:
      return true;
  }
}

bool py_isalpha(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER: case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return true;
    default:
      return false;
  }
}

static int numeric_type(char32_t c) { return u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_NUMERIC_TYPE); }
bool py_isdecimal(char32_t c) { return numeric_type(c) == U_NT_DECIMAL; }
bool py_isdigit(char32_t c) { return numeric_type(c) == U_NT_DECIMAL || numeric_type(c) == U_NT_DIGIT; }
bool py_isnumeric(char32_t c) { return numeric_type(c) != U_NT_NONE; }
bool py_iscased(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_CASED); }
bool py_islower_char(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_LOWERCASE); }
bool py_isupper_char(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_UPPERCASE); }
bool py_istitle_char(char32_t c) { return u_charType(static_cast<UChar32>(c)) == U_TITLECASE_LETTER; }

std::string py_upper(std::string_view s) { return map_case(plain_map(), ucasemap_utf8ToUpper, s); }
std::string py_lower(std::string_view s) { return map_case(plain_map(), ucasemap_utf8ToLower, s); }
// Titlecase of one character (full mapping: 'ß' -> 'Ss').
static std::string py_char_title(char32_t c) { return map_case(title_map(), to_title_whole, char_utf8(c)); }

std::string py_title(std::string_view s) {
  std::string out;
  bool previous_cased = false;
  for (char32_t c : to_u32(s)) {
    std::string one = char_utf8(c);
    out += previous_cased ? py_lower(one) : py_char_title(c);
    previous_cased = py_iscased(c);
  }
  return out;
}

std::string py_capitalize(std::string_view s) {
  std::u32string u = to_u32(s);
  if (u.empty()) return {};
  return py_char_title(u[0]) + py_lower(to_utf8(std::u32string_view(u).substr(1)));
}

std::string py_swapcase(std::string_view s) {
  std::string out;
  for (char32_t c : to_u32(s)) {
    std::string one = char_utf8(c);
    out += py_isupper_char(c) ? py_lower(one) : py_islower_char(c) ? py_upper(one) : one;
  }
  return out;
}

}  // namespace vole::text::jinja
