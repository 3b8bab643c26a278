#pragma once
// Blocks of plain text, Markdown and source code, found line by line in UTF-8 text that
// arrives in pieces (a file streamed block by block), so memory stays bounded however large
// the file. Plain text: paragraphs separated by blank lines. Code: the same, as code blocks.
// Markdown: ATX (#) and setext (=== / ---) headings, fenced code blocks (``` / ~~~) and
// paragraphs; the rest of Markdown (lists, quotes, tables) stays inside paragraphs, which is
// all the chunker needs. A line longer than kMaxLineBytes is cut (at a space when there is
// one) and a block longer than kMaxBlockBytes is closed at a line end.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "knowledge/types.h"

namespace vole::knowledge {

inline constexpr size_t kMaxLineBytes = 64 * 1024;
inline constexpr size_t kMaxBlockBytes = 256 * 1024;

class TextBlockParser {
 public:
  using Sink = std::function<void(TextBlock&&)>;
  // `format` is PlainText, Markdown or Code.
  TextBlockParser(DocumentFormat format, Sink sink);

  void feed(std::string_view utf8);
  void finish();

  uint64_t bytes_seen() const { return offset_ + pending_.size(); }

 private:
  void line(std::string_view text, bool ends_line);  // one line (or a cut piece of one)
  void markdown_line(std::string_view text, std::string_view content);
  void append(BlockKind kind, std::string_view text);
  void flush();
  void emit_heading(int level, std::string_view title, uint64_t begin, uint32_t line);

  DocumentFormat format_;
  Sink sink_;
  std::string pending_;   // text after the last complete line
  uint64_t offset_ = 0;   // byte offset of pending_[0]
  uint32_t line_no_ = 1;  // line of pending_[0]
  TextBlock block_;       // the block being built (empty text: none)
  bool in_block_ = false;
  // Markdown fenced code: the fence that opened it ("```", "~~~~"), empty outside one.
  std::string fence_;
};

}  // namespace vole::knowledge
