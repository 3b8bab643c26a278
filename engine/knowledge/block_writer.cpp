#include "knowledge/block_writer.h"

#include <algorithm>

#include "knowledge/text_blocks.h"
#include "text/utf8.h"

namespace vole::knowledge {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

BlockWriter::BlockWriter(Sink sink) : sink_(std::move(sink)) {}

void BlockWriter::begin(BlockKind kind, int heading_level) {
  end();
  block_ = {};
  block_.kind = kind;
  block_.heading_level = heading_level;
  open_ = true;
  pending_space_ = false;
}

void BlockWriter::open_if_needed() {
  if (!open_) begin(BlockKind::Text);
}

void BlockWriter::text(std::string_view utf8) {
  open_if_needed();
  if (block_.text.size() + utf8.size() > kMaxBlockBytes && !block_.text.empty()) {
    BlockKind kind = block_.kind;
    int level = block_.heading_level;
    begin(kind, level);
  }
  if (block_.kind == BlockKind::Code) {
    block_.text.append(utf8);
    return;
  }
  for (char c : utf8) {
    if (is_space(c)) {
      pending_space_ = !block_.text.empty() && block_.text.back() != '\n';
      continue;
    }
    if (pending_space_) block_.text.push_back(' ');
    pending_space_ = false;
    block_.text.push_back(c);
  }
}

void BlockWriter::line_break() {
  open_if_needed();
  pending_space_ = false;
  if (!block_.text.empty() && block_.text.back() != '\n') block_.text.push_back('\n');
}

void BlockWriter::end() {
  if (!open_) return;
  open_ = false;
  std::string& t = block_.text;
  while (!t.empty() && is_space(t.back())) t.pop_back();
  if (block_.kind == BlockKind::Code) {
    size_t lead = 0;
    while (lead < t.size() && (t[lead] == '\n' || t[lead] == '\r')) ++lead;
    t.erase(0, lead);
  }
  if (t.empty()) return;
  // Parsers pass through what they cannot decode (libxml2 hands over a stray byte of a
  // mis-declared encoding): blocks are always valid UTF-8.
  if (!text::is_valid_utf8(t)) t = text::sanitize_utf8(t);
  block_.byte_begin = offset_;
  block_.line_begin = line_;
  block_.page = page_;
  offset_ += t.size() + 2;  // the blank line that separates blocks in the extracted text
  line_ += static_cast<uint32_t>(std::count(t.begin(), t.end(), '\n')) + 2;
  sink_(std::move(block_));
  block_ = {};
}

void BlockWriter::set_page(uint32_t page) {
  end();
  page_ = page;
}

}  // namespace vole::knowledge
