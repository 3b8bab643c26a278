#include "text/utf8.h"

#include <cstdint>
#include <cstring>

namespace vole::text {

namespace {

enum class Status { Ok, IllFormed, Truncated };

struct Decoded {
  char32_t code_point;
  size_t length;
  Status status;
};

// Well-formed sequences per Unicode Table 3-7: the lead byte fixes the length and the
// allowed range of the second byte; later bytes are always 80..BF.
Decoded decode(const uint8_t* p, size_t n) {
  uint8_t b0 = p[0];
  if (b0 < 0x80) return {b0, 1, Status::Ok};
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;
  char32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {kReplacementChar, 1, Status::IllFormed};
  }
  for (size_t i = 1; i < need; ++i) {
    if (i >= n) return {kReplacementChar, i, Status::Truncated};
    uint8_t b = p[i];
    if (b < lo || b > hi) return {kReplacementChar, i, Status::IllFormed};
    lo = 0x80, hi = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, need, Status::Ok};
}

const uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

}  // namespace

Utf8Char decode_utf8_char(std::string_view bytes) {
  Decoded d = decode(bytes_of(bytes), bytes.size());
  return {d.code_point, d.length, d.status == Status::Ok};
}

char32_t last_code_point(std::string_view bytes) {
  if (bytes.empty()) return 0;
  // A character is at most 4 bytes: start at the last non-continuation byte.
  size_t start = bytes.size() - 1;
  while (start > 0 && bytes.size() - start < 4 && (static_cast<uint8_t>(bytes[start]) & 0xC0) == 0x80) --start;
  Decoded d = decode(bytes_of(bytes) + start, bytes.size() - start);
  return d.status == Status::Ok && start + d.length == bytes.size() ? d.code_point : kReplacementChar;
}

bool is_valid_utf8(std::string_view bytes) {
  const uint8_t* p = bytes_of(bytes);
  size_t n = bytes.size(), i = 0;
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    Decoded d = decode(p + i, n - i);
    if (d.status != Status::Ok) return false;
    i += d.length;
  }
  return true;
}

void append_sanitized_utf8(std::string_view bytes, std::string& out) {
  const uint8_t* p = bytes_of(bytes);
  size_t n = bytes.size(), i = 0, run = 0;  // [run, i) is well-formed and not yet copied
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    Decoded d = decode(p + i, n - i);
    if (d.status == Status::Ok) {
      i += d.length;
      continue;
    }
    out.append(bytes.data() + run, i - run);
    append_utf8(kReplacementChar, out);
    i += d.length;
    run = i;
  }
  out.append(bytes.data() + run, n - run);
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  append_sanitized_utf8(bytes, out);
  return out;
}

size_t incomplete_utf8_tail(std::string_view bytes) {
  size_t n = bytes.size();
  if (n == 0) return 0;
  size_t start = n - 1;
  while (start > 0 && n - start < 4 && (static_cast<uint8_t>(bytes[start]) & 0xC0) == 0x80) --start;
  Decoded d = decode(bytes_of(bytes) + start, n - start);
  return d.status == Status::Truncated && start + d.length == n ? n - start : 0;
}

void append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace vole::text
