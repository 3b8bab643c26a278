#pragma once
// Writers of real document files for the extraction tests, written here from the formats'
// specifications (no outside tool at test time): a minimal PDF 1.4 with one Helvetica text
// line per entry on each page, and zip containers (DOCX, ODT, anything) through libzip.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace vole::knowledge::test {

// pages[i] = lines of page i+1 (printable ASCII).
void write_pdf(const std::filesystem::path& path, const std::vector<std::vector<std::string>>& pages);

// (member name, content) in order; `store` = no compression.
void write_zip(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::string>>& members,
               bool store = false);

// A DOCX whose paragraphs are (style id, text); style "" = body text. Writes styles.xml with
// "Heading1".."Heading3" named "heading 1".."heading 3" and a custom "MyTitle" with outline level 0.
void write_docx(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::string>>& paragraphs);
std::string docx_document_xml(const std::vector<std::pair<std::string, std::string>>& paragraphs);

// An ODT whose paragraphs are (outline level, text); level 0 = body text (text:p), else text:h.
void write_odt(const std::filesystem::path& path, const std::vector<std::pair<int, std::string>>& paragraphs);

void write_text(const std::filesystem::path& path, const std::string& content);

}  // namespace vole::knowledge::test
