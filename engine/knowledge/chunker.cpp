#include "knowledge/chunker.h"

#include <algorithm>

namespace vole::knowledge {

namespace {

constexpr size_t kMaxHeadingBytes = 200;
constexpr size_t kCountWholeBlockUpTo = 64 * 1024;  // larger blocks are certainly split

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

size_t trimmed_length(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && is_space(s[n - 1])) --n;
  return n;
}

uint32_t newlines(std::string_view s) { return static_cast<uint32_t>(std::count(s.begin(), s.end(), '\n')); }

// Ends of sentences (text) or lines (code) in `t`: each boundary is where the next piece
// starts, after the whitespace that follows the end.
std::vector<size_t> boundaries(std::string_view t, bool code) {
  std::vector<size_t> cuts;
  size_t n = t.size();
  for (size_t i = 0; i < n; ++i) {
    size_t end = std::string_view::npos;
    char c = t[i];
    if (c == '\n') {
      end = i + 1;
    } else if (!code && (c == '.' || c == '!' || c == '?' || c == ';') && i + 1 < n && is_space(t[i + 1])) {
      end = i + 1;
    } else if (!code && i + 2 < n && static_cast<unsigned char>(c) == 0xE3 &&
               static_cast<unsigned char>(t[i + 1]) == 0x80 && static_cast<unsigned char>(t[i + 2]) == 0x82) {
      end = i + 3;  // "。"
    }
    if (end == std::string_view::npos) continue;
    while (end < n && is_space(t[end]) && !(code && t[end - 1] == '\n')) ++end;
    if (end < n && (cuts.empty() || cuts.back() < end)) cuts.push_back(end);
    i = end - 1;
  }
  return cuts;
}

// Where to cut `t` so the first part has about `bytes` bytes: after a space if there is one
// in the second half of the range, else at a character boundary.
size_t cut_near(std::string_view t, size_t bytes) {
  if (bytes >= t.size()) return t.size();
  size_t space = t.substr(0, bytes).find_last_of(" \t\n");
  if (space != std::string_view::npos && space >= bytes / 2) return space + 1;
  size_t at = std::max<size_t>(bytes, 1);
  while (at > 1 && (static_cast<unsigned char>(t[at]) & 0xC0) == 0x80) --at;
  return at;
}

}  // namespace

Chunker::Chunker(const TokenCounter& counter, ChunkerOptions options, Sink sink)
    : counter_(counter), options_(options), sink_(std::move(sink)) {
  options_.target_tokens = std::max<size_t>(options_.target_tokens, 16);
  options_.overlap_tokens = std::min(options_.overlap_tokens, options_.target_tokens / 2);
}

std::string Chunker::heading_path() const {
  std::string path;
  for (const auto& [level, title] : headings_) {
    if (title.empty()) continue;
    if (!path.empty()) path += " > ";
    path += title;
  }
  return path;
}

void Chunker::add(const TextBlock& block) {
  if (block.kind == BlockKind::Heading) {
    emit();
    while (!headings_.empty() && headings_.back().first >= block.heading_level) headings_.pop_back();
    std::string title = block.text.substr(0, kMaxHeadingBytes);
    std::replace(title.begin(), title.end(), '\n', ' ');
    headings_.emplace_back(block.heading_level, std::move(title));
    return;
  }
  std::vector<Unit> units;
  split(block, next_block_++, units);
  for (auto& u : units) add_unit(std::move(u));
}

void Chunker::finish() { emit(); }

// Cuts a block into units that each fit in a chunk (usually the whole block is one unit).
void Chunker::split(const TextBlock& block, uint64_t block_id, std::vector<Unit>& out) const {
  const std::string_view t = block.text;
  const size_t target = options_.target_tokens;
  auto make = [&](size_t a, size_t b, size_t tokens) {
    Unit u;
    u.text.assign(t.substr(a, b - a));
    u.block_id = block_id;
    u.byte_begin = block.byte_begin + a;
    u.line_begin = block.line_begin + newlines(t.substr(0, a));
    u.line_end = u.line_begin + newlines(t.substr(a, trimmed_length(t.substr(a, b - a))));
    u.page = block.page;
    u.tokens = tokens;
    out.push_back(std::move(u));
  };
  // A piece [a, b) with `tokens` tokens that is still too large: cut it by size, recursively.
  std::function<void(size_t, size_t, size_t)> divide = [&](size_t a, size_t b, size_t tokens) {
    if (tokens <= target || b - a <= 1) return make(a, b, tokens);
    double bytes_per_token = double(b - a) / double(tokens);
    size_t want = std::max<size_t>(1, static_cast<size_t>(bytes_per_token * double(target) * 0.9));
    size_t at = a;
    while (at < b) {
      size_t len = cut_near(t.substr(at, b - at), want);
      size_t n = counter_.count(t.substr(at, len));
      if (n > target && len > 1) {
        divide(at, at + len, n);  // denser than the estimate: halve and retry inside
      } else {
        make(at, at + len, n);
      }
      at += len;
    }
  };

  if (t.size() <= kCountWholeBlockUpTo) {
    size_t tokens = counter_.count(t);
    if (tokens <= target) return make(0, t.size(), tokens);
  }
  std::vector<size_t> cuts = boundaries(t, block.kind == BlockKind::Code);
  cuts.push_back(t.size());
  size_t a = 0;
  for (size_t b : cuts) {
    if (b <= a) continue;
    size_t tokens = counter_.count(t.substr(a, b - a));
    if (tokens > target)
      divide(a, b, tokens);
    else
      make(a, b, tokens);
    a = b;
  }
}

void Chunker::add_unit(Unit unit) {
  if (units_.empty()) heading_ = heading_path();
  if (!units_.empty() && tokens_ + unit.tokens > options_.target_tokens) {
    // Carry the tail of this chunk into the next one: whole units, at most overlap_tokens, and
    // never so much that the new unit would not fit after it.
    size_t keep = 0, kept_tokens = 0;
    for (size_t i = units_.size(); i-- > 1;) {
      size_t t = kept_tokens + units_[i].tokens;
      if (t > options_.overlap_tokens || t + unit.tokens > options_.target_tokens) break;
      kept_tokens = t;
      ++keep;
    }
    std::vector<Unit> carry(units_.end() - static_cast<ptrdiff_t>(keep), units_.end());
    std::string heading = heading_;
    emit();
    units_ = std::move(carry);
    tokens_ = kept_tokens;
    heading_ = std::move(heading);
  }
  tokens_ += unit.tokens;
  units_.push_back(std::move(unit));
}

void Chunker::emit() {
  if (units_.empty()) return;
  Chunk chunk;
  std::string& text = chunk.text;
  for (size_t k = 0; k < units_.size(); ++k) {
    if (k > 0 && units_[k].block_id != units_[k - 1].block_id) {
      text.resize(trimmed_length(text));
      text += "\n\n";
    }
    text += units_[k].text;
  }
  text.resize(trimmed_length(text));
  const Unit& first = units_.front();
  const Unit& last = units_.back();
  chunk.location.byte_begin = first.byte_begin;
  chunk.location.byte_end = last.byte_begin + trimmed_length(last.text);
  chunk.location.line_begin = first.line_begin;
  chunk.location.line_end = last.line_end;
  chunk.location.page_begin = first.page;
  chunk.location.page_end = last.page;
  chunk.location.heading = heading_;
  chunk.tokens = counter_.count(text);
  units_.clear();
  tokens_ = 0;
  if (text.empty()) return;
  chunk.ordinal = next_ordinal_++;
  sink_(std::move(chunk));
}

}  // namespace vole::knowledge
