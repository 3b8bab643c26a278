#include "knowledge/doc_writers.h"

#include <zip.h>

#include <fstream>
#include <stdexcept>

namespace vole::knowledge::test {

namespace fs = std::filesystem;

void write_text(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

namespace {
std::string pdf_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

void write_pdf(const fs::path& path, const std::vector<std::vector<std::string>>& pages) {
  // Objects: 1 catalog, 2 pages, 3 font, then per page: page object, content stream.
  std::vector<std::string> objects(3);
  std::string kids;
  for (size_t p = 0; p < pages.size(); ++p) {
    size_t page_obj = 4 + 2 * p, content_obj = page_obj + 1;
    kids += std::to_string(page_obj) + " 0 R ";
    std::string stream = "BT /F1 11 Tf 14 TL 72 740 Td\n";
    for (const auto& line : pages[p]) stream += "(" + pdf_escape(line) + ") '\n";
    stream += "ET\n";
    objects.push_back(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
        "/Contents " +
        std::to_string(content_obj) + " 0 R >>");
    objects.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "endstream");
  }
  objects[0] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[1] = "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>";
  objects[2] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";
  std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  write_text(path, pdf);
}

void write_zip(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& members, bool store) {
  fs::create_directories(path.parent_path());
  fs::remove(path);
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) throw std::runtime_error("zip_open failed for " + path.string());
  for (const auto& [name, content] : members) {
    zip_source_t* src = zip_source_buffer(z, content.data(), content.size(), 0);
    zip_int64_t index = zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE);
    if (index < 0) {
      zip_source_free(src);
      throw std::runtime_error("zip_file_add failed");
    }
    zip_set_file_compression(z, static_cast<zip_uint64_t>(index), store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0);
  }
  if (zip_close(z) != 0) throw std::runtime_error("zip_close failed for " + path.string());
}

namespace {
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      default:
        out += c;
    }
  }
  return out;
}
}  // namespace

std::string docx_document_xml(const std::vector<std::pair<std::string, std::string>>& paragraphs) {
  std::string body;
  for (const auto& [style, text] : paragraphs) {
    body += "<w:p>";
    if (!style.empty()) body += "<w:pPr><w:pStyle w:val=\"" + style + "\"/></w:pPr>";
    // Runs split mid-text, a tab and a break, as Word writes them.
    size_t half = text.size() / 2;
    while (half < text.size() && (static_cast<unsigned char>(text[half]) & 0xC0) == 0x80) ++half;
    body += "<w:r><w:t xml:space=\"preserve\">" + xml_escape(text.substr(0, half)) + "</w:t></w:r>";
    body += "<w:r><w:t>" + xml_escape(text.substr(half)) + "</w:t></w:r></w:p>";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
         "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>" +
         body + "<w:sectPr/></w:body></w:document>";
}

void write_docx(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& paragraphs) {
  std::string styles =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:styles "
      "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
      "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/></w:style>"
      "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/></w:style>"
      "<w:style w:type=\"paragraph\" w:styleId=\"Heading3\"><w:name w:val=\"heading 3\"/></w:style>"
      "<w:style w:type=\"paragraph\" w:styleId=\"MyTitle\"><w:name w:val=\"Big Words\"/><w:pPr><w:outlineLvl "
      "w:val=\"0\"/></w:pPr></w:style></w:styles>";
  write_zip(path, {{"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"},
                   {"word/document.xml", docx_document_xml(paragraphs)},
                   {"word/styles.xml", styles}});
}

void write_odt(const fs::path& path, const std::vector<std::pair<int, std::string>>& paragraphs) {
  std::string body;
  for (const auto& [level, text] : paragraphs) {
    if (level > 0)
      body += "<text:h text:outline-level=\"" + std::to_string(level) + "\">" + xml_escape(text) + "</text:h>";
    else
      body += "<text:p>" + xml_escape(text) + "<text:s text:c=\"2\"/><text:span>end</text:span></text:p>";
  }
  std::string content =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content "
      "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
      "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text>" +
      body + "</office:text></office:body></office:document-content>";
  write_zip(path, {{"mimetype", "application/vnd.oasis.opendocument.text"}, {"content.xml", content}}, false);
}

}  // namespace vole::knowledge::test
