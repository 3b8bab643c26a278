#include "text/tokenizer_added_tokens.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <functional>

#include "text/utf8.h"

namespace vole::text {

namespace {

// Unicode "word" characters as in the \w of the Rust regex crate that HF tokenizers uses.
bool is_word_char(char32_t c) {
  UChar32 u = static_cast<UChar32>(c);
  return u_hasBinaryProperty(u, UCHAR_ALPHABETIC) || u_hasBinaryProperty(u, UCHAR_JOIN_CONTROL) ||
         (U_GET_GC_MASK(u) & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0;
}

bool is_space(char32_t c) { return u_isUWhiteSpace(static_cast<UChar32>(c)); }

// Start of the run of whitespace that ends `text`.
size_t trailing_space_start(std::string_view text) {
  size_t pos = text.size();
  while (pos > 0) {
    size_t start = pos - 1;
    while (start > 0 && pos - start < 4 && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80) --start;
    Utf8Char ch = decode_utf8_char(text.substr(start, pos - start));
    if (!ch.valid || !is_space(ch.code_point)) break;
    pos = start;
  }
  return pos;
}

// Length of the run of whitespace that starts `text`.
size_t leading_space_length(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    Utf8Char ch = decode_utf8_char(text.substr(pos));
    if (!ch.valid || !is_space(ch.code_point)) break;
    pos += ch.length;
  }
  return pos;
}

}  // namespace

void AddedTokenMatcher::add(const AddedToken& token, std::string pattern) {
  if (pattern.empty()) return;
  if (!by_pattern_.insert(pattern, static_cast<int32_t>(entries_.size()))) return;
  auto& lengths = lengths_[static_cast<uint8_t>(pattern[0])];
  uint32_t length = static_cast<uint32_t>(pattern.size());
  auto at = std::lower_bound(lengths.begin(), lengths.end(), length, std::greater<>());
  if (at == lengths.end() || *at != length) lengths.insert(at, length);
  if (length == 1) {
    single_byte_[static_cast<uint8_t>(pattern[0])] = true;
  } else {
    unsigned pair = static_cast<uint8_t>(pattern[0]) << 8 | static_cast<uint8_t>(pattern[1]);
    first_pairs_[pair >> 6] |= uint64_t(1) << (pair & 63);
  }
  entries_.push_back({std::move(pattern), &token});
}

void AddedTokenMatcher::find(std::string_view text, bool include_special, std::vector<Match>& out) const {
  if (entries_.empty()) return;
  size_t done = 0;  // end of the previous match, strips included
  size_t pos = 0;
  while (pos < text.size()) {
    uint8_t first = static_cast<uint8_t>(text[pos]);
    const auto& lengths = lengths_[first];
    bool candidate = !lengths.empty();
    if (candidate && !single_byte_[first]) {  // a pattern starts with this byte: check the next one
      unsigned pair = pos + 1 < text.size() ? first << 8 | static_cast<uint8_t>(text[pos + 1]) : 0;
      candidate = pos + 1 < text.size() && (first_pairs_[pair >> 6] >> (pair & 63) & 1);
    }
    if (!candidate) {
      ++pos;
      continue;
    }
    const Entry* hit = nullptr;
    for (uint32_t length : lengths) {
      if (length > text.size() - pos) continue;
      int32_t e = by_pattern_.find(text.substr(pos, length));
      if (e >= 0) {
        hit = &entries_[size_t(e)];
        break;
      }
    }
    if (!hit) {
      ++pos;
      continue;
    }
    size_t begin = pos, end = pos + hit->pattern.size();
    pos = end;  // matching resumes after the match, whether it is kept or not
    const AddedToken& tok = *hit->token;
    if (tok.special && !include_special) continue;
    if (begin < done) continue;  // inside whitespace the previous match stripped
    if (tok.single_word) {
      bool word_before = begin > 0 && is_word_char(last_code_point(text.substr(0, begin)));
      bool word_after = end < text.size() && is_word_char(decode_utf8_char(text.substr(end)).code_point);
      if (word_before || word_after) continue;
    }
    if (tok.lstrip) begin = std::max(trailing_space_start(text.substr(0, begin)), done);
    if (tok.rstrip) end += leading_space_length(text.substr(end));
    out.push_back({begin, end, tok.id});
    done = end;
  }
}

}  // namespace vole::text
