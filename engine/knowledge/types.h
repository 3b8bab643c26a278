#pragma once
// Shared vocabulary of the knowledge base: ids, document formats, the blocks extractors
// produce and where a chunk sits in its document.
#include <cstdint>
#include <optional>
#include <string>

namespace vole::knowledge {

using CollectionId = int64_t;
using DocumentId = int64_t;
using ChunkId = int64_t;

enum class DocumentFormat { PlainText, Markdown, Code, Html, Pdf, Docx, Odt, Email };

const char* format_name(DocumentFormat format);  // "markdown"
std::optional<DocumentFormat> format_from_name(const std::string& name);

// A piece of a document's text with one structural role. Extractors emit blocks in document
// order; the chunker packs them into chunks. Positions refer to the document's text as Vole
// extracted it: for UTF-8 plain text, Markdown and code that is the file itself; for other
// encodings the decoded UTF-8; for HTML, PDF, DOCX and ODT the blocks' text joined by blank
// lines ("\n\n").
enum class BlockKind { Heading, Text, Code };

struct TextBlock {
  BlockKind kind = BlockKind::Text;
  int heading_level = 0;  // 1..6 for headings
  std::string text;       // UTF-8; for Text and Code the exact source slice
  uint64_t byte_begin = 0;
  uint32_t line_begin = 1;  // 1-based line of the first character
  uint32_t page = 0;        // 1-based page (PDF), 0 when the format has none
};

// Where a chunk sits: byte range [byte_begin, byte_end) and 1-based inclusive lines of the
// document's text (see TextBlock), pages (0 = none) and the heading path ("Guide > Install").
struct ChunkLocation {
  uint64_t byte_begin = 0;
  uint64_t byte_end = 0;
  uint32_t line_begin = 0;
  uint32_t line_end = 0;
  uint32_t page_begin = 0;
  uint32_t page_end = 0;
  std::string heading;

  bool operator==(const ChunkLocation&) const = default;
};

}  // namespace vole::knowledge
