#pragma once
// HTML to blocks with libxml2's HTML parser in push mode (SAX callbacks), fed piece by piece so
// a large page is never held whole. Headings h1-h6 and <title> become heading blocks, <pre>
// code blocks, block-level elements end paragraphs, table cells are separated by spaces, and
// script/style and other non-text elements are skipped. Never fetches anything
// (HTML_PARSE_NONET), recovers from malformed markup. Used for .html files and e-mail parts.
#include <memory>
#include <string_view>

#include "knowledge/block_writer.h"

namespace vole::knowledge {

class HtmlBlockParser {
 public:
  // `utf8`: the bytes are UTF-8 already (an e-mail part converted from its charset); otherwise
  // libxml2 finds the encoding itself (BOM, <meta charset>).
  HtmlBlockParser(BlockWriter& writer, bool utf8);
  ~HtmlBlockParser();
  HtmlBlockParser(const HtmlBlockParser&) = delete;
  HtmlBlockParser& operator=(const HtmlBlockParser&) = delete;

  void feed(std::string_view bytes);  // rethrows what the block sink threw
  void finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vole::knowledge
