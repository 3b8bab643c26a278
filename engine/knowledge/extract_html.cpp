#include <libxml/HTMLparser.h>

#include <array>
#include <cstring>
#include <exception>

#include "knowledge/extract.h"
#include "knowledge/file_reader.h"
#include "knowledge/html_blocks.h"
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

void ignore_message(void*, const char*, ...) {}

}  // namespace

struct HtmlBlockParser::State {
  BlockWriter& writer;
  int skip_depth = 0;  // inside script/style/...
  int pre_depth = 0;
  htmlParserCtxtPtr ctxt = nullptr;
  // The sink may throw (cancelled, a failed embedding). libxml2 is C: an exception must not
  // cross its frames, so it is kept here, the parser stopped, and rethrown afterwards.
  std::exception_ptr error;
  explicit State(BlockWriter& w) : writer(w) {}

  void start(const xmlChar* name) {
    if (skip_depth > 0 || is_skipped(name)) {
      ++skip_depth;
      return;
    }
    if (int level = heading_level(name)) return writer.begin(BlockKind::Heading, level);
    if (name_is(name, "title")) return writer.begin(BlockKind::Heading, 1);
    if (name_is(name, "pre")) {
      if (pre_depth++ == 0) writer.begin(BlockKind::Code);
      return;
    }
    if (name_is(name, "br")) return writer.line_break();
    if (in_list(name, {"td", "th"})) return writer.text(" ");
    if (ends_paragraph(name) && pre_depth == 0) writer.end();
  }

  void end(const xmlChar* name) {
    if (skip_depth > 0) {
      --skip_depth;
      return;
    }
    if (heading_level(name) || name_is(name, "title")) return writer.end();
    if (name_is(name, "pre")) {
      if (pre_depth > 0 && --pre_depth == 0) writer.end();
      return;
    }
    if (in_list(name, {"td", "th"})) return writer.text(" ");
    if (ends_paragraph(name) && pre_depth == 0) writer.end();
  }

  template <class F>
  static void guarded(void* ctx, F&& f) {
    auto& s = *static_cast<State*>(ctx);
    if (s.error) return;
    try {
      f(s);
    } catch (...) {
      s.error = std::current_exception();
      xmlStopParser(s.ctxt);
    }
  }
  static void on_start(void* ctx, const xmlChar* name, const xmlChar**) {
    guarded(ctx, [&](State& s) { s.start(name); });
  }
  static void on_end(void* ctx, const xmlChar* name) {
    guarded(ctx, [&](State& s) { s.end(name); });
  }
  static void on_text(void* ctx, const xmlChar* text, int length) {
    guarded(ctx, [&](State& s) {
      if (s.skip_depth == 0)
        s.writer.text(std::string_view(reinterpret_cast<const char*>(text), static_cast<size_t>(length)));
    });
  }
};

HtmlBlockParser::HtmlBlockParser(BlockWriter& writer, bool utf8) : state_(std::make_unique<State>(writer)) {
  htmlSAXHandler sax;
  std::memset(&sax, 0, sizeof(sax));
  sax.startElement = State::on_start;
  sax.endElement = State::on_end;
  sax.characters = State::on_text;
  sax.cdataBlock = State::on_text;
  sax.ignorableWhitespace = State::on_text;
  sax.warning = ignore_message;
  sax.error = ignore_message;
  state_->ctxt = htmlCreatePushParserCtxt(&sax, state_.get(), nullptr, 0, nullptr,
                                          utf8 ? XML_CHAR_ENCODING_UTF8 : XML_CHAR_ENCODING_NONE);
  if (!state_->ctxt) fail(ErrorCode::OutOfMemory, "cannot create an HTML parser");
  htmlCtxtUseOptions(state_->ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                       HTML_PARSE_COMPACT);
}

HtmlBlockParser::~HtmlBlockParser() { htmlFreeParserCtxt(state_->ctxt); }

void HtmlBlockParser::feed(std::string_view bytes) {
  if (!state_->error && !bytes.empty()) htmlParseChunk(state_->ctxt, bytes.data(), static_cast<int>(bytes.size()), 0);
  if (state_->error) std::rethrow_exception(state_->error);
}

void HtmlBlockParser::finish() {
  if (!state_->error) htmlParseChunk(state_->ctxt, nullptr, 0, 1);
  if (state_->error) std::rethrow_exception(state_->error);
}

void extract_html(const std::filesystem::path& path, const ExtractLimits& limits, const BlockSink& sink) {
  FileReader file(path);
  BlockWriter writer(sink);
  HtmlBlockParser parser(writer, false);
  std::array<char, 64 * 1024> buffer;
  while (size_t n = file.read(buffer.data(), buffer.size())) {
    limits.check_cancel();
    parser.feed(std::string_view(buffer.data(), n));
  }
  parser.finish();
  writer.end();
}

}  // namespace vole::knowledge
