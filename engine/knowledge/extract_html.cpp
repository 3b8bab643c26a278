// HTML: libxml2's HTML parser (push mode, SAX callbacks), fed the file block by block, so a
// large page is never held whole. Headings h1-h6 and <title> become heading blocks, <pre>
// code blocks, block-level elements end paragraphs, script/style and other non-text elements
// are skipped. libxml2 finds the encoding (BOM, <meta charset>) itself; it never fetches
// anything (HTML_PARSE_NONET) and recovers from malformed markup.
#include <libxml/HTMLparser.h>

#include <array>
#include <cstring>
#include <exception>
#include <string>

#include "knowledge/block_writer.h"
#include "knowledge/extract.h"
#include "knowledge/file_reader.h"
#include "util/error.h"

namespace vole::knowledge {

namespace {

bool name_is(const xmlChar* name, const char* what) {
  return xmlStrcasecmp(name, reinterpret_cast<const xmlChar*>(what)) == 0;
}

bool in_list(const xmlChar* name, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (name_is(name, n)) return true;
  return false;
}

bool is_skipped(const xmlChar* name) {
  return in_list(name, {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas"});
}

bool ends_paragraph(const xmlChar* name) {
  return in_list(name, {"p",       "div",        "section", "article", "main",    "aside", "header",   "footer",
                        "nav",     "li",         "dd",      "dt",      "ul",      "ol",    "dl",       "blockquote",
                        "figure",  "figcaption", "table",   "tr",      "caption", "form",  "fieldset", "address",
                        "details", "summary",    "hr",      "body",    "html",    "head",  "center",   "menu"});
}

int heading_level(const xmlChar* name) {
  if (xmlStrlen(name) == 2 && (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6')
    return name[1] - '0';
  return 0;
}

struct HtmlState {
  BlockWriter writer;
  int skip_depth = 0;  // inside script/style/...
  int pre_depth = 0;
  htmlParserCtxtPtr ctxt = nullptr;
  // The sink may throw (cancelled, a failed embedding). libxml2 is C: an exception must not
  // cross its frames, so it is kept here, the parser stopped, and rethrown afterwards.
  std::exception_ptr error;
  explicit HtmlState(BlockWriter::Sink sink) : writer(std::move(sink)) {}
};

template <class F>
void guarded(void* ctx, F&& f) {
  auto& s = *static_cast<HtmlState*>(ctx);
  if (s.error) return;
  try {
    f(s);
  } catch (...) {
    s.error = std::current_exception();
    xmlStopParser(s.ctxt);
  }
}

void start_element(HtmlState& s, const xmlChar* name) {
  if (s.skip_depth > 0 || is_skipped(name)) {
    ++s.skip_depth;
    return;
  }
  if (int level = heading_level(name)) return s.writer.begin(BlockKind::Heading, level);
  if (name_is(name, "title")) return s.writer.begin(BlockKind::Heading, 1);
  if (name_is(name, "pre")) {
    if (s.pre_depth++ == 0) s.writer.begin(BlockKind::Code);
    return;
  }
  if (name_is(name, "br")) return s.writer.line_break();
  if (in_list(name, {"td", "th"})) return s.writer.text(" ");
  if (ends_paragraph(name) && s.pre_depth == 0) s.writer.end();
}

void end_element(HtmlState& s, const xmlChar* name) {
  if (s.skip_depth > 0) {
    --s.skip_depth;
    return;
  }
  if (heading_level(name) || name_is(name, "title")) return s.writer.end();
  if (name_is(name, "pre")) {
    if (s.pre_depth > 0 && --s.pre_depth == 0) s.writer.end();
    return;
  }
  if (in_list(name, {"td", "th"})) return s.writer.text(" ");
  if (ends_paragraph(name) && s.pre_depth == 0) s.writer.end();
}

void on_start(void* ctx, const xmlChar* name, const xmlChar**) {
  guarded(ctx, [&](HtmlState& s) { start_element(s, name); });
}

void on_end(void* ctx, const xmlChar* name) {
  guarded(ctx, [&](HtmlState& s) { end_element(s, name); });
}

void on_text(void* ctx, const xmlChar* text, int length) {
  guarded(ctx, [&](HtmlState& s) {
    if (s.skip_depth == 0)
      s.writer.text(std::string_view(reinterpret_cast<const char*>(text), static_cast<size_t>(length)));
  });
}

void ignore_message(void*, const char*, ...) {}

}  // namespace

void extract_html(const std::filesystem::path& path, const ExtractLimits& limits, const BlockSink& sink) {
  HtmlState state(sink);
  htmlSAXHandler sax;
  std::memset(&sax, 0, sizeof(sax));
  sax.startElement = on_start;
  sax.endElement = on_end;
  sax.characters = on_text;
  sax.cdataBlock = on_text;
  sax.ignorableWhitespace = on_text;
  sax.warning = ignore_message;
  sax.error = ignore_message;

  FileReader file(path);
  std::array<char, 64 * 1024> buffer;
  size_t n = 0;
  htmlParserCtxtPtr ctxt = htmlCreatePushParserCtxt(&sax, &state, nullptr, 0, nullptr, XML_CHAR_ENCODING_NONE);
  if (!ctxt) fail(ErrorCode::OutOfMemory, "cannot create an HTML parser for " + path.string());
  struct Free {
    htmlParserCtxtPtr c;
    ~Free() { htmlFreeParserCtxt(c); }
  } free_ctxt{ctxt};
  state.ctxt = ctxt;
  htmlCtxtUseOptions(
      ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT);
  while (!state.error && (n = file.read(buffer.data(), buffer.size())) > 0) {
    limits.check_cancel();
    htmlParseChunk(ctxt, buffer.data(), static_cast<int>(n), 0);
  }
  if (!state.error) htmlParseChunk(ctxt, nullptr, 0, 1);
  if (state.error) std::rethrow_exception(state.error);
  state.writer.end();
}

}  // namespace vole::knowledge
