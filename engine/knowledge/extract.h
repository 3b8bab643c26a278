#pragma once
// Text extraction: which files Vole can read, and their text as blocks (see types.h).
//
//   plain text, Markdown, source code   streamed; encoding detected (text_decoder.h)
//   HTML                                libxml2 HTML parser, streamed (extract_html.cpp)
//   PDF                                 poppler-cpp, one page at a time (extract_pdf.cpp)
//   DOCX, ODT                           libzip + libxml2 reader, streamed with bounded
//                                       decompression (extract_office.cpp)
//   e-mail (.eml)                       headers and text parts, MIME decoded (extract_email.cpp)
//
// Everything that goes wrong is a vole::Error whose message says what and where, to be shown
// as the reason a file was skipped: Unsupported (binary, encrypted, a zip bomb), InvalidFile
// (damaged), NotFound / Io (vanished, permission denied), Cancelled. Nothing here crashes on
// hostile input and nothing is loaded whole.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "knowledge/types.h"

namespace vole::knowledge {

using BlockSink = std::function<void(TextBlock&&)>;

struct ExtractLimits {
  // A part of a DOCX/ODT (its XML) may not expand beyond this many bytes...
  uint64_t max_zip_entry_bytes = uint64_t{1} << 30;
  // ...nor beyond this many times its compressed size (+1 MiB): more is a zip bomb.
  uint64_t max_zip_ratio = 100;
  const std::atomic<bool>* cancel = nullptr;  // checked between blocks of input

  void check_cancel() const;  // throws Error(Cancelled)
};

struct FormatGuess {
  std::optional<DocumentFormat> format;
  std::string skip_reason;  // when there is no format: why ("binary file", "image (PNG)")
};

// From the file name, and for unknown names from the first bytes (text or not). Reads at most
// a few KiB; a file that cannot be read is reported as the reason.
FormatGuess detect_format(const std::filesystem::path& path);

void extract_document(const std::filesystem::path& path, DocumentFormat format, const ExtractLimits& limits,
                      const BlockSink& sink);

// The extractors, one per family (extract_document dispatches).
void extract_text(const std::filesystem::path& path, DocumentFormat format, const ExtractLimits& limits,
                  const BlockSink& sink);
void extract_html(const std::filesystem::path& path, const ExtractLimits& limits, const BlockSink& sink);
void extract_pdf(const std::filesystem::path& path, const ExtractLimits& limits, const BlockSink& sink);
void extract_office(const std::filesystem::path& path, DocumentFormat format, const ExtractLimits& limits,
                    const BlockSink& sink);
void extract_email(const std::filesystem::path& path, const ExtractLimits& limits, const BlockSink& sink);

}  // namespace vole::knowledge
