#pragma once
// Text files in any of the encodings people actually have: UTF-8 (with or without BOM),
// UTF-16 LE/BE (BOM, or detected from the zero bytes of mostly-ASCII text) and, for bytes that
// are not UTF-8, Windows-1252 (the superset of Latin-1 that real "Latin-1" files use).
// Decoding is incremental so a 2 GB file is converted block by block.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace vole::knowledge {

enum class TextEncoding { Utf8, Utf16Le, Utf16Be, Windows1252 };

const char* encoding_name(TextEncoding encoding);

struct EncodingGuess {
  TextEncoding encoding = TextEncoding::Utf8;
  size_t bom_length = 0;  // bytes to skip at the start of the file
  bool binary = false;    // NUL bytes in text that is not UTF-16: not a text file
};

// Looks at the first bytes of a file (a few KiB is plenty).
EncodingGuess guess_encoding(std::string_view head);

// Converts bytes in `encoding` to UTF-8, piece by piece: a character split across two calls
// is completed by the second. Ill-formed input becomes U+FFFD, never an error.
class TextDecoder {
 public:
  explicit TextDecoder(TextEncoding encoding);
  // Any charset ICU knows by this name ("iso-8859-15", "shift_jis"), as e-mail declares them;
  // an unknown name decodes as UTF-8 (ill-formed bytes become U+FFFD).
  explicit TextDecoder(const std::string& charset);
  ~TextDecoder();
  TextDecoder(const TextDecoder&) = delete;
  TextDecoder& operator=(const TextDecoder&) = delete;

  void decode(std::string_view bytes, std::string& out);  // appends
  void finish(std::string& out);                          // an incomplete last character -> U+FFFD

 private:
  struct Icu;
  TextEncoding encoding_;
  std::string carry_;         // UTF-8: the start of a character continued in the next piece
  std::unique_ptr<Icu> icu_;  // the other encodings
};

}  // namespace vole::knowledge
