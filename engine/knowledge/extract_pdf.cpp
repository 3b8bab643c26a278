// PDF: poppler-cpp, one page at a time, text in reading order (poppler's own heuristics, as
// pdftotext prints it). Lines are grouped into paragraphs at blank lines; each block carries
// its 1-based page so citations can name the page. An encrypted PDF that needs a password
// and a file poppler cannot open are skipped with that reason; poppler's own error chatter is
// silenced (it would go to stderr).
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <memory>
#include <mutex>
#include <string>

#include "knowledge/block_writer.h"
#include "knowledge/extract.h"
#include "knowledge/file_reader.h"
#include "util/error.h"

namespace vole::knowledge {

namespace {

void ignore_poppler_message(const std::string&, void*) {}

void write_page_text(std::string_view text, BlockWriter& writer) {
  // Paragraphs are separated by an empty line (poppler ends each text line with "\n" and a
  // paragraph gap with an extra one); form feeds end a page's text.
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    bool blank = line.find_first_not_of(" \t\r\f") == std::string_view::npos;
    if (blank) {
      writer.end();
    } else {
      writer.text(line);
      writer.text(" ");
    }
    start = nl + 1;
  }
  writer.end();
}

}  // namespace

void extract_pdf(const std::filesystem::path& path, const ExtractLimits& limits, const BlockSink& sink) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { poppler::set_debug_error_function(ignore_poppler_message, nullptr); });

  { FileReader check(path); }  // a clear error for a missing, unreadable or non-regular file
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path.string()));
  if (!doc) fail(ErrorCode::InvalidFile, "cannot read " + path.string() + ": not a PDF poppler can open (damaged?)");
  if (doc->is_locked())
    fail(ErrorCode::Unsupported, path.string() + " is an encrypted PDF that needs a password; Vole cannot read it");

  BlockWriter writer(sink);
  int pages = doc->pages();
  for (int i = 0; i < pages; ++i) {
    limits.check_cancel();
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;  // a damaged page: skip it, keep the rest
    writer.set_page(static_cast<uint32_t>(i + 1));
    poppler::byte_array utf8 = page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
    write_page_text(std::string_view(utf8.data(), utf8.size()), writer);
  }
  writer.end();
}

}  // namespace vole::knowledge
