#include "knowledge/text_decoder.h"

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "text/utf8.h"
#include "util/error.h"

namespace vole::knowledge {

const char* encoding_name(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::Utf8:
      return "UTF-8";
    case TextEncoding::Utf16Le:
      return "UTF-16LE";
    case TextEncoding::Utf16Be:
      return "UTF-16BE";
    case TextEncoding::Windows1252:
      return "windows-1252";
  }
  return "?";
}

EncodingGuess guess_encoding(std::string_view head) {
  auto starts = [&](std::string_view bom) { return head.substr(0, bom.size()) == bom; };
  if (starts("\xEF\xBB\xBF")) return {TextEncoding::Utf8, 3, false};
  if (starts("\xFF\xFE")) return {TextEncoding::Utf16Le, 2, false};
  if (starts("\xFE\xFF")) return {TextEncoding::Utf16Be, 2, false};

  // UTF-16 without a BOM: text that is mostly ASCII has a zero in every other byte.
  size_t pairs = head.size() / 2, zero_even = 0, zero_odd = 0;
  for (size_t i = 0; i + 1 < head.size(); i += 2) {
    zero_even += head[i] == '\0';
    zero_odd += head[i + 1] == '\0';
  }
  if (pairs >= 8) {
    if (zero_odd * 10 >= pairs * 4 && zero_even * 20 <= pairs) return {TextEncoding::Utf16Le, 0, false};
    if (zero_even * 10 >= pairs * 4 && zero_odd * 20 <= pairs) return {TextEncoding::Utf16Be, 0, false};
  }
  EncodingGuess guess;
  guess.binary = head.find('\0') != std::string_view::npos;
  std::string_view complete = head.substr(0, head.size() - text::incomplete_utf8_tail(head));
  guess.encoding = text::is_valid_utf8(complete) ? TextEncoding::Utf8 : TextEncoding::Windows1252;
  return guess;
}

struct TextDecoder::Icu {
  UConverter* conv = nullptr;
  std::vector<UChar> utf16;
  ~Icu() {
    if (conv) ucnv_close(conv);
  }
};

TextDecoder::TextDecoder(TextEncoding encoding) : encoding_(encoding) {
  if (encoding == TextEncoding::Utf8) return;
  icu_ = std::make_unique<Icu>();
  UErrorCode status = U_ZERO_ERROR;
  icu_->conv = ucnv_open(encoding_name(encoding), &status);
  if (U_FAILURE(status)) fail(ErrorCode::Internal, std::string("ICU has no converter for ") + encoding_name(encoding));
  // Ill-formed input becomes U+FFFD (ICU's default substitution for a Unicode converter
  // target), never an error.
  ucnv_setToUCallBack(icu_->conv, UCNV_TO_U_CALLBACK_SUBSTITUTE, nullptr, nullptr, nullptr, &status);
}

TextDecoder::TextDecoder(const std::string& charset) : encoding_(TextEncoding::Utf8) {
  std::string lower;
  for (char c : charset) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.empty() || lower == "utf-8" || lower == "utf8" || lower == "us-ascii" || lower == "ascii") return;
  UErrorCode status = U_ZERO_ERROR;
  UConverter* conv = ucnv_open(charset.c_str(), &status);
  if (U_FAILURE(status) || !conv) return;  // unknown: UTF-8
  icu_ = std::make_unique<Icu>();
  icu_->conv = conv;
  ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_SUBSTITUTE, nullptr, nullptr, nullptr, &status);
}

TextDecoder::~TextDecoder() = default;

namespace {

void append_utf16_as_utf8(const UChar* text, size_t length, std::string& out) {
  size_t at = out.size();
  out.resize(at + length * 3);  // each UTF-16 unit becomes at most 3 UTF-8 bytes
  int32_t written = 0;
  UErrorCode status = U_ZERO_ERROR;
  u_strToUTF8WithSub(out.data() + at, static_cast<int32_t>(length * 3), &written, text, static_cast<int32_t>(length),
                     0xFFFD, nullptr, &status);
  if (U_FAILURE(status)) fail(ErrorCode::Internal, std::string("UTF-16 to UTF-8 failed: ") + u_errorName(status));
  out.resize(at + static_cast<size_t>(written));
}

void convert(UConverter* conv, std::vector<UChar>& buffer, std::string_view bytes, bool flush, std::string& out) {
  const char* source = bytes.data();
  const char* source_end = bytes.data() + bytes.size();
  buffer.resize(std::max<size_t>(bytes.size() + 16, 4096));
  for (;;) {
    UChar* target = buffer.data();
    UErrorCode status = U_ZERO_ERROR;
    ucnv_toUnicode(conv, &target, buffer.data() + buffer.size(), &source, source_end, nullptr, flush, &status);
    append_utf16_as_utf8(buffer.data(), static_cast<size_t>(target - buffer.data()), out);
    if (status == U_BUFFER_OVERFLOW_ERROR) continue;
    if (U_FAILURE(status)) fail(ErrorCode::Internal, std::string("text conversion failed: ") + u_errorName(status));
    return;
  }
}

}  // namespace

void TextDecoder::decode(std::string_view bytes, std::string& out) {
  if (icu_) return convert(icu_->conv, icu_->utf16, bytes, false, out);
  if (!carry_.empty()) {
    // Complete the character cut at the end of the previous piece, one byte at a time.
    while (!bytes.empty() && text::incomplete_utf8_tail(carry_) == carry_.size()) {
      carry_.push_back(bytes.front());
      bytes.remove_prefix(1);
    }
    if (text::incomplete_utf8_tail(carry_) == carry_.size() && bytes.empty()) return;  // still incomplete
    text::append_sanitized_utf8(carry_, out);
    carry_.clear();
  }
  size_t tail = text::incomplete_utf8_tail(bytes);
  text::append_sanitized_utf8(bytes.substr(0, bytes.size() - tail), out);
  carry_.assign(bytes.substr(bytes.size() - tail));
}

void TextDecoder::finish(std::string& out) {
  if (icu_) return convert(icu_->conv, icu_->utf16, {}, true, out);
  text::append_sanitized_utf8(carry_, out);
  carry_.clear();
}

}  // namespace vole::knowledge
