#include "knowledge/text_blocks.h"

#include <algorithm>

namespace vole::knowledge {

namespace {

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Up to three spaces of indentation, as Markdown allows before block markers.
std::string_view unindent(std::string_view s) {
  for (int i = 0; i < 3 && !s.empty() && s.front() == ' '; ++i) s.remove_prefix(1);
  return s;
}

// "```" / "~~~~" opening a fence (three or more of the same), or empty.
std::string fence_marker(std::string_view line) {
  line = unindent(line);
  if (line.empty() || (line[0] != '`' && line[0] != '~')) return {};
  size_t n = line.find_first_not_of(line[0]);
  if (n == std::string_view::npos) n = line.size();
  if (n < 3) return {};
  if (line[0] == '`' && line.substr(n).find('`') != std::string_view::npos) return {};  // inline code, not a fence
  return std::string(line.substr(0, n));
}

bool closes_fence(std::string_view line, const std::string& fence) {
  line = trim(unindent(line));
  return line.size() >= fence.size() && line.find_first_not_of(fence[0]) == std::string_view::npos;
}

// "## Title ##" -> level 2, "Title"; 0 when not an ATX heading.
int atx_heading(std::string_view line, std::string_view& title) {
  line = unindent(line);
  size_t level = line.find_first_not_of('#');
  if (level == std::string_view::npos) level = line.size();
  if (level == 0 || level > 6) return 0;
  std::string_view rest = line.substr(level);
  if (!rest.empty() && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\r') return 0;
  rest = trim(rest);
  size_t closing = rest.find_last_not_of('#');
  if (closing == std::string_view::npos)
    rest = {};
  else if (closing + 1 < rest.size() && (rest[closing] == ' ' || rest[closing] == '\t'))
    rest = trim(rest.substr(0, closing));
  title = rest;
  return static_cast<int>(level);
}

// A setext underline: 1 for "===", 2 for "---", 0 otherwise.
int setext_level(std::string_view line) {
  line = trim(unindent(line));
  if (line.empty() || (line[0] != '=' && line[0] != '-')) return 0;
  if (line.find_first_not_of(line[0]) != std::string_view::npos) return 0;
  return line[0] == '=' ? 1 : 2;
}

// Where to cut an over-long line: after the last space in the first `limit` bytes, else at
// the last character boundary before `limit`.
size_t cut_point(std::string_view text, size_t limit) {
  size_t space = text.substr(0, limit).find_last_of(" \t");
  if (space != std::string_view::npos && space > limit / 2) return space + 1;
  size_t at = limit;
  while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
  return at > 0 ? at : limit;
}

}  // namespace

TextBlockParser::TextBlockParser(DocumentFormat format, Sink sink) : format_(format), sink_(std::move(sink)) {}

void TextBlockParser::feed(std::string_view utf8) {
  pending_.append(utf8);
  size_t start = 0;
  for (;;) {
    size_t nl = pending_.find('\n', start);
    if (nl == std::string::npos) {
      if (pending_.size() - start <= kMaxLineBytes) break;
      size_t cut = cut_point(std::string_view(pending_).substr(start), kMaxLineBytes);
      line(std::string_view(pending_).substr(start, cut), false);
      start += cut;
      continue;
    }
    line(std::string_view(pending_).substr(start, nl + 1 - start), true);
    start = nl + 1;
  }
  pending_.erase(0, start);
}

void TextBlockParser::finish() {
  if (!pending_.empty()) {
    std::string last = std::move(pending_);
    pending_.clear();
    line(last, false);
  }
  if (!fence_.empty()) fence_.clear();
  flush();
}

// `text` is the line as in the source, with its "\n" when `ends_line`. offset_/line_no_
// point at its first byte and are advanced here.
void TextBlockParser::line(std::string_view text, bool ends_line) {
  std::string_view content = text;
  if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
  if (!content.empty() && content.back() == '\r') content.remove_suffix(1);

  if (format_ == DocumentFormat::Markdown) {
    markdown_line(text, content);
  } else if (is_blank(content)) {
    flush();
  } else {
    append(format_ == DocumentFormat::Code ? BlockKind::Code : BlockKind::Text, text);
  }
  offset_ += text.size();
  if (ends_line) ++line_no_;
}

void TextBlockParser::markdown_line(std::string_view text, std::string_view content) {
  if (!fence_.empty()) {
    append(BlockKind::Code, text);
    if (closes_fence(content, fence_)) {
      fence_.clear();
      flush();
    }
    return;
  }
  if (is_blank(content)) return flush();
  if (std::string fence = fence_marker(content); !fence.empty()) {
    flush();
    fence_ = fence;
    append(BlockKind::Code, text);
    return;
  }
  std::string_view title;
  if (int level = atx_heading(content, title)) {
    flush();
    emit_heading(level, title, offset_, line_no_);
    return;
  }
  if (int level = setext_level(content); level && in_block_ && block_.kind == BlockKind::Text) {
    // The paragraph so far is the heading's text; the underline ends it.
    TextBlock heading = std::move(block_);
    in_block_ = false;
    block_ = {};
    emit_heading(level, trim(heading.text), heading.byte_begin, heading.line_begin);
    return;
  }
  if (setext_level(content) == 2 && !in_block_) return;  // a thematic break "---" between blocks
  append(BlockKind::Text, text);
}

void TextBlockParser::append(BlockKind kind, std::string_view text) {
  if (in_block_ && (block_.kind != kind || block_.text.size() + text.size() > kMaxBlockBytes)) flush();
  if (!in_block_) {
    block_ = {};
    block_.kind = kind;
    block_.byte_begin = offset_;
    block_.line_begin = line_no_;
    in_block_ = true;
  }
  block_.text.append(text);
}

void TextBlockParser::flush() {
  if (!in_block_) return;
  in_block_ = false;
  std::string& t = block_.text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  if (!is_blank(t)) sink_(std::move(block_));
  block_ = {};
}

void TextBlockParser::emit_heading(int level, std::string_view title, uint64_t begin, uint32_t line) {
  TextBlock heading;
  heading.kind = BlockKind::Heading;
  heading.heading_level = level;
  heading.text = std::string(title);
  heading.byte_begin = begin;
  heading.line_begin = line;
  sink_(std::move(heading));
}

}  // namespace vole::knowledge
