#pragma once
// Builds the blocks of a structured document (HTML, PDF, DOCX, ODT) from the text its parser
// hands over piece by piece, and gives them positions in the document's extracted text: the
// blocks joined by "\n\n". Whitespace is collapsed (runs become one space, none at the ends)
// except in code blocks; empty blocks are dropped; text that is not valid UTF-8 is repaired
// (U+FFFD); a block longer than kMaxBlockBytes is
// closed and a new one of the same kind begun, so memory stays bounded.
#include <functional>
#include <string>
#include <string_view>

#include "knowledge/types.h"

namespace vole::knowledge {

class BlockWriter {
 public:
  using Sink = std::function<void(TextBlock&&)>;
  explicit BlockWriter(Sink sink);

  // Ends the current block (if any) and starts one of `kind`.
  void begin(BlockKind kind, int heading_level = 0);
  void text(std::string_view utf8);  // appended to the current block (a Text block if none)
  void line_break();                 // a hard break inside the block ("\n")
  void end();                        // ends the current block
  void set_page(uint32_t page);      // the page of the blocks that follow

  BlockKind kind() const { return block_.kind; }
  bool in_block() const { return open_; }

 private:
  void open_if_needed();
  Sink sink_;
  TextBlock block_;
  bool open_ = false;
  bool pending_space_ = false;
  uint64_t offset_ = 0;  // where the next block starts in the extracted text
  uint32_t line_ = 1;
  uint32_t page_ = 0;
};

}  // namespace vole::knowledge
