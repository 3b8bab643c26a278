#include "knowledge/types.h"

namespace vole::knowledge {

namespace {
constexpr struct {
  DocumentFormat format;
  const char* name;
} kFormats[] = {
    {DocumentFormat::PlainText, "text"}, {DocumentFormat::Markdown, "markdown"}, {DocumentFormat::Code, "code"},
    {DocumentFormat::Html, "html"},      {DocumentFormat::Pdf, "pdf"},           {DocumentFormat::Docx, "docx"},
    {DocumentFormat::Odt, "odt"},        {DocumentFormat::Email, "email"},
};
}  // namespace

const char* format_name(DocumentFormat format) {
  for (const auto& f : kFormats)
    if (f.format == format) return f.name;
  return "unknown";
}

std::optional<DocumentFormat> format_from_name(const std::string& name) {
  for (const auto& f : kFormats)
    if (name == f.name) return f.format;
  return std::nullopt;
}

}  // namespace vole::knowledge
