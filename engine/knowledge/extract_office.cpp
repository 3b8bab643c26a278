// DOCX (word/document.xml, heading levels from word/styles.xml) and ODT (content.xml): the
// zip member is streamed through libxml2's reader (xmlReaderForIO), never held whole, with
// the decompression bound of zip_entry.h. The XML may not declare a DTD (no entity tricks),
// and nothing is fetched from the network.
#include <libxml/xmlreader.h>

#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "knowledge/block_writer.h"
#include "knowledge/extract.h"
#include "knowledge/text_blocks.h"
#include "knowledge/zip_entry.h"
#include "util/error.h"

namespace vole::knowledge {

namespace {

constexpr const char* kWordNs = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
constexpr const char* kOdfTextNs = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";

// A libxml2 reader over a zip member. libxml2 is C: errors thrown by the member reader are
// kept here and rethrown after the reader returns, never thrown through libxml2's frames.
class XmlStream {
 public:
  XmlStream(ZipArchive& archive, const std::string& member, const ExtractLimits& limits)
      : entry_(archive, member, limits), member_(member), path_(archive.path()) {
    reader_ = xmlReaderForIO(&XmlStream::read_cb, nullptr, this, member.c_str(), nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
    if (!reader_) fail(ErrorCode::OutOfMemory, "cannot create an XML reader for " + path_.string());
    xmlTextReaderSetErrorHandler(reader_, &XmlStream::error_cb, this);
  }
  ~XmlStream() { xmlFreeTextReader(reader_); }
  XmlStream(const XmlStream&) = delete;
  XmlStream& operator=(const XmlStream&) = delete;

  // Next node; false at the end. Throws on damage, a DTD, or the member's own errors.
  bool next() {
    int rc = xmlTextReaderRead(reader_);
    if (pending_) std::rethrow_exception(pending_);
    if (rc < 0)
      fail(ErrorCode::InvalidFile, "part " + member_ + " of " + path_.string() + " is not well-formed XML" +
                                       (message_.empty() ? std::string() : ": " + message_));
    if (rc == 0) return false;
    if (xmlTextReaderNodeType(reader_) == XML_READER_TYPE_DOCUMENT_TYPE)
      fail(ErrorCode::Unsupported, "part " + member_ + " of " + path_.string() +
                                       " declares a document type (DTD), which documents never need; refused");
    return true;
  }

  int type() const { return xmlTextReaderNodeType(reader_); }
  bool empty_element() const { return xmlTextReaderIsEmptyElement(reader_) == 1; }
  bool is(const char* ns, const char* local) const {
    const xmlChar* name = xmlTextReaderConstLocalName(reader_);
    const xmlChar* uri = xmlTextReaderConstNamespaceUri(reader_);
    return name && uri && std::strcmp(reinterpret_cast<const char*>(name), local) == 0 &&
           std::strcmp(reinterpret_cast<const char*>(uri), ns) == 0;
  }
  std::string_view value() const {
    const xmlChar* v = xmlTextReaderConstValue(reader_);
    return v ? std::string_view(reinterpret_cast<const char*>(v)) : std::string_view();
  }
  std::optional<std::string> attribute(const char* ns, const char* local) const {
    xmlChar* v = xmlTextReaderGetAttributeNs(reader_, reinterpret_cast<const xmlChar*>(local),
                                             reinterpret_cast<const xmlChar*>(ns));
    if (!v) return std::nullopt;
    std::string s(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return s;
  }

 private:
  static int read_cb(void* context, char* buffer, int length) {
    auto* self = static_cast<XmlStream*>(context);
    try {
      return static_cast<int>(self->entry_.read(buffer, static_cast<size_t>(length)));
    } catch (...) {
      self->pending_ = std::current_exception();
      return -1;
    }
  }
  static void error_cb(void* context, const char* msg, xmlParserSeverities severity, xmlTextReaderLocatorPtr) {
    auto* self = static_cast<XmlStream*>(context);
    if (severity >= XML_PARSER_SEVERITY_ERROR && self->message_.empty() && msg) {
      self->message_ = msg;
      while (!self->message_.empty() && std::isspace(static_cast<unsigned char>(self->message_.back())))
        self->message_.pop_back();
    }
  }

  ZipEntryReader entry_;
  std::string member_;
  std::filesystem::path path_;
  xmlTextReaderPtr reader_ = nullptr;
  std::exception_ptr pending_;
  std::string message_;
};

bool is_text_node(int type) {
  return type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
         type == XML_READER_TYPE_CDATA || type == XML_READER_TYPE_WHITESPACE;
}

// "Heading 2", "heading2", "Title" -> level; 0 for other styles.
int heading_level_of_style_name(std::string name) {
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "title") return 1;
  if (name.rfind("heading", 0) != 0) return 0;
  std::string rest = name.substr(7);
  if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
  if (rest.size() == 1 && rest[0] >= '1' && rest[0] <= '9') return rest[0] - '0';
  return 0;
}

// A paragraph being collected: its level (0 = body text) and text.
struct Paragraph {
  int level = 0;
  std::string text;
};

void emit(Paragraph& p, BlockWriter& writer) {
  if (p.level > 0)
    writer.begin(BlockKind::Heading, std::min(p.level, 6));
  else
    writer.begin(BlockKind::Text);
  writer.text(p.text);
  writer.end();
  p = {};
}

// styleId -> heading level, from word/styles.xml (optional part).
std::map<std::string, int> docx_heading_styles(ZipArchive& zip, const ExtractLimits& limits) {
  std::map<std::string, int> levels;
  if (!zip.has("word/styles.xml")) return levels;
  XmlStream xml(zip, "word/styles.xml", limits);
  std::string style;
  while (xml.next()) {
    if (xml.type() != XML_READER_TYPE_ELEMENT) continue;
    if (xml.is(kWordNs, "style")) {
      style = xml.attribute(kWordNs, "styleId").value_or("");
    } else if (xml.is(kWordNs, "name") && !style.empty()) {
      if (int level = heading_level_of_style_name(xml.attribute(kWordNs, "val").value_or(""))) levels[style] = level;
    } else if (xml.is(kWordNs, "outlineLvl") && !style.empty() && !levels.count(style)) {
      int v = std::atoi(xml.attribute(kWordNs, "val").value_or("9").c_str());
      if (v >= 0 && v < 9) levels[style] = v + 1;
    }
  }
  return levels;
}

void extract_docx(ZipArchive& zip, const ExtractLimits& limits, BlockWriter& writer) {
  std::map<std::string, int> styles = docx_heading_styles(zip, limits);
  XmlStream xml(zip, "word/document.xml", limits);
  Paragraph p;
  int paragraph_depth = 0, run_depth = 0, text_depth = 0;
  while (xml.next()) {
    int type = xml.type();
    if (type == XML_READER_TYPE_ELEMENT) {
      bool empty = xml.empty_element();
      if (xml.is(kWordNs, "p")) {
        if (paragraph_depth > 0 && !p.text.empty()) emit(p, writer);  // a paragraph inside one (text box)
        if (!empty) ++paragraph_depth;
      } else if (xml.is(kWordNs, "pStyle")) {
        std::string id = xml.attribute(kWordNs, "val").value_or("");
        auto it = styles.find(id);
        p.level = it != styles.end() ? it->second : heading_level_of_style_name(id);
      } else if (xml.is(kWordNs, "outlineLvl") && paragraph_depth > 0) {
        int v = std::atoi(xml.attribute(kWordNs, "val").value_or("9").c_str());
        if (v >= 0 && v < 9) p.level = v + 1;
      } else if (xml.is(kWordNs, "r")) {
        if (!empty) ++run_depth;
      } else if (xml.is(kWordNs, "t")) {
        if (!empty) ++text_depth;
      } else if (run_depth > 0 && xml.is(kWordNs, "tab")) {
        p.text += '\t';
      } else if (run_depth > 0 && (xml.is(kWordNs, "br") || xml.is(kWordNs, "cr"))) {
        p.text += '\n';
      }
    } else if (type == XML_READER_TYPE_END_ELEMENT) {
      if (xml.is(kWordNs, "p") && paragraph_depth > 0) {
        if (--paragraph_depth == 0 || !p.text.empty()) emit(p, writer);
      } else if (xml.is(kWordNs, "r") && run_depth > 0) {
        --run_depth;
      } else if (xml.is(kWordNs, "t") && text_depth > 0) {
        --text_depth;
      }
    } else if (is_text_node(type) && text_depth > 0) {
      p.text += xml.value();
      if (p.text.size() > kMaxBlockBytes) emit(p, writer);
    }
  }
  if (!p.text.empty()) emit(p, writer);
}

void extract_odt(ZipArchive& zip, const ExtractLimits& limits, BlockWriter& writer) {
  XmlStream xml(zip, "content.xml", limits);
  Paragraph p;
  int depth = 0;  // inside text:p / text:h (nested ones are part of the outer paragraph)
  while (xml.next()) {
    int type = xml.type();
    if (type == XML_READER_TYPE_ELEMENT) {
      bool empty = xml.empty_element();
      bool heading = xml.is(kOdfTextNs, "h");
      if (heading || xml.is(kOdfTextNs, "p")) {
        if (depth == 0) {
          p = {};
          if (heading)
            p.level = std::max(1, std::atoi(xml.attribute(kOdfTextNs, "outline-level").value_or("1").c_str()));
        }
        if (!empty) ++depth;
      } else if (depth > 0 && xml.is(kOdfTextNs, "s")) {
        int n = std::atoi(xml.attribute(kOdfTextNs, "c").value_or("1").c_str());
        p.text.append(static_cast<size_t>(std::clamp(n, 1, 1000)), ' ');
      } else if (depth > 0 && xml.is(kOdfTextNs, "tab")) {
        p.text += '\t';
      } else if (depth > 0 && xml.is(kOdfTextNs, "line-break")) {
        p.text += '\n';
      }
    } else if (type == XML_READER_TYPE_END_ELEMENT) {
      if ((xml.is(kOdfTextNs, "p") || xml.is(kOdfTextNs, "h")) && depth > 0 && --depth == 0) emit(p, writer);
    } else if (is_text_node(type) && depth > 0) {
      p.text += xml.value();
      if (p.text.size() > kMaxBlockBytes) emit(p, writer);
    }
  }
  if (!p.text.empty()) emit(p, writer);
}

}  // namespace

void extract_office(const std::filesystem::path& path, DocumentFormat format, const ExtractLimits& limits,
                    const BlockSink& sink) {
  ZipArchive zip(path);
  BlockWriter writer(sink);
  if (format == DocumentFormat::Docx)
    extract_docx(zip, limits, writer);
  else
    extract_odt(zip, limits, writer);
  writer.end();
}

}  // namespace vole::knowledge
