#include "knowledge/extract.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "knowledge/file_reader.h"
#include "knowledge/text_blocks.h"
#include "knowledge/text_decoder.h"
#include "util/error.h"
#include "util/strings.h"

namespace vole::knowledge {

namespace fs = std::filesystem;

void ExtractLimits::check_cancel() const {
  if (cancel && cancel->load(std::memory_order_relaxed)) fail(ErrorCode::Cancelled, "extraction cancelled");
}

namespace {

constexpr size_t kSniffBytes = 8192;

bool one_of(const std::string& s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::optional<DocumentFormat> format_by_name(const fs::path& path) {
  std::string ext = ascii_lower(path.extension().string());
  std::string name = ascii_lower(path.filename().string());
  if (one_of(ext, {".md", ".markdown", ".mdown", ".mkd", ".mdx"})) return DocumentFormat::Markdown;
  if (one_of(ext,
             {".txt", ".text", ".rst", ".org", ".adoc", ".asciidoc", ".tex", ".log", ".csv", ".tsv", ".srt", ".vtt"}))
    return DocumentFormat::PlainText;
  if (one_of(ext, {".html", ".htm", ".xhtml", ".shtml"})) return DocumentFormat::Html;
  if (ext == ".pdf") return DocumentFormat::Pdf;
  if (ext == ".docx") return DocumentFormat::Docx;
  if (ext == ".odt") return DocumentFormat::Odt;
  if (ext == ".eml") return DocumentFormat::Email;
  if (one_of(ext, {".c",          ".h",     ".cc",   ".cpp", ".cxx",    ".hpp",  ".hh",    ".hxx",    ".m",     ".mm",
                   ".py",         ".pyi",   ".js",   ".mjs", ".cjs",    ".ts",   ".tsx",   ".jsx",    ".java",  ".kt",
                   ".kts",        ".scala", ".go",   ".rs",  ".rb",     ".php",  ".pl",    ".pm",     ".lua",   ".r",
                   ".jl",         ".swift", ".cs",   ".fs",  ".vb",     ".sh",   ".bash",  ".zsh",    ".fish",  ".ps1",
                   ".sql",        ".hs",    ".ml",   ".mli", ".clj",    ".ex",   ".exs",   ".erl",    ".elm",   ".dart",
                   ".zig",        ".nim",   ".v",    ".sv",  ".vhd",    ".glsl", ".comp",  ".vert",   ".frag",  ".hlsl",
                   ".css",        ".scss",  ".less", ".vue", ".svelte", ".qml",  ".cmake", ".json",   ".jsonc", ".yaml",
                   ".yml",        ".toml",  ".ini",  ".cfg", ".conf",   ".xml",  ".proto", ".gradle", ".mk",    ".nix",
                   ".dockerfile", ".tf",    ".lisp", ".el",  ".scm",    ".f90",  ".for",   ".asm",    ".s"}))
    return DocumentFormat::Code;
  if (one_of(name, {"makefile", "cmakelists.txt", "dockerfile", "containerfile", "meson.build", "build.gradle",
                    "gemfile", "rakefile", "justfile", "vagrantfile"}))
    return DocumentFormat::Code;
  if (one_of(name, {"readme", "license", "copying", "authors", "changelog", "news", "todo", "install"}))
    return DocumentFormat::PlainText;
  return std::nullopt;
}

// Names of common binary formats by their first bytes, for a useful skip reason.
std::optional<std::string> binary_kind(std::string_view head) {
  struct Magic {
    std::string_view bytes;
    const char* kind;
  };
  static constexpr Magic kMagic[] = {
      {"\x89PNG", "image (PNG)"},
      {"\xFF\xD8\xFF", "image (JPEG)"},
      {"GIF8", "image (GIF)"},
      {"PK\x03\x04", "archive (zip)"},
      {"\x1F\x8B", "archive (gzip)"},
      {"7z\xBC\xAF", "archive (7z)"},
      {"Rar!", "archive (RAR)"},
      {"\x7F"
       "ELF",
       "program (ELF)"},
      {"MZ", "program (Windows)"},
      {"ID3", "audio (MP3)"},
      {"OggS", "audio/video (Ogg)"},
      {"fLaC", "audio (FLAC)"},
      {"SQLite format 3", "database (SQLite)"},
      {"\xD0\xCF\x11\xE0", "old Office document (OLE; save it as DOCX)"},
      {"BZh", "archive (bzip2)"},
      {"\xFD"
       "7zXZ",
       "archive (xz)"},
      {"\x28\xB5\x2F\xFD", "archive (zstd)"},
  };
  for (const auto& m : kMagic)
    if (head.substr(0, m.bytes.size()) == m.bytes) return std::string(m.kind);
  if (head.size() >= 12 && head.substr(4, 4) == "ftyp") return std::string("video (MP4/MOV)");
  if (head.substr(0, 4) == "RIFF") return std::string("media (RIFF: WAV/AVI/WebP)");
  return std::nullopt;
}

}  // namespace

FormatGuess detect_format(const fs::path& path) {
  std::optional<DocumentFormat> by_name = format_by_name(path);
  bool text_like =
      by_name == DocumentFormat::PlainText || by_name == DocumentFormat::Markdown || by_name == DocumentFormat::Code;
  if (by_name && !text_like) return {by_name, {}};
  std::string head;
  try {
    head = read_head(path, kSniffBytes);
  } catch (const Error& e) {
    return {std::nullopt, e.what()};
  }
  if (text_like) {
    // A text name on binary content (a renamed image, a sparse file of zeros): not a document.
    if (guess_encoding(head).binary) return {std::nullopt, "binary data (NUL bytes) in a file named as text"};
    return {by_name, {}};
  }
  if (head.substr(0, 5) == "%PDF-") return {DocumentFormat::Pdf, {}};
  if (auto kind = binary_kind(head)) return {std::nullopt, "not a document: " + *kind};
  EncodingGuess guess = guess_encoding(head);
  if (guess.binary) return {std::nullopt, "binary file (contains NUL bytes)"};
  return {DocumentFormat::PlainText, {}};
}

void extract_text(const fs::path& path, DocumentFormat format, const ExtractLimits& limits, const BlockSink& sink) {
  FileReader file(path);
  std::array<char, 256 * 1024> buffer;
  size_t n = file.read(buffer.data(), buffer.size());
  EncodingGuess guess = guess_encoding(std::string_view(buffer.data(), std::min(n, kSniffBytes)));
  if (guess.binary) fail(ErrorCode::Unsupported, "binary data (NUL bytes) in " + path.string() + ", not a text file");
  TextDecoder decoder(guess.encoding);
  TextBlockParser parser(format, sink);
  std::string utf8;
  size_t skip = guess.bom_length;
  for (; n > 0; n = file.read(buffer.data(), buffer.size())) {
    limits.check_cancel();
    utf8.clear();
    decoder.decode(std::string_view(buffer.data() + skip, n - skip), utf8);
    skip = 0;
    if (size_t nul = utf8.find('\0'); nul != std::string::npos)
      fail(ErrorCode::Unsupported, "binary data (a NUL byte) in " + path.string() + " near byte " +
                                       std::to_string(file.position() - n) + ", not a text file");
    parser.feed(utf8);
  }
  utf8.clear();
  decoder.finish(utf8);
  parser.feed(utf8);
  parser.finish();
}

void extract_document(const fs::path& path, DocumentFormat format, const ExtractLimits& limits, const BlockSink& sink) {
  switch (format) {
    case DocumentFormat::PlainText:
    case DocumentFormat::Markdown:
    case DocumentFormat::Code:
      return extract_text(path, format, limits, sink);
    case DocumentFormat::Html:
      return extract_html(path, limits, sink);
    case DocumentFormat::Pdf:
      return extract_pdf(path, limits, sink);
    case DocumentFormat::Docx:
    case DocumentFormat::Odt:
      return extract_office(path, format, limits, sink);
    case DocumentFormat::Email:
      return extract_email(path, limits, sink);
  }
  fail(ErrorCode::Internal, "unknown document format");
}

}  // namespace vole::knowledge
