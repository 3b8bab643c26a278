#include "knowledge/answer_context.h"

#include <algorithm>
#include <cctype>

#include "text/utf8.h"

namespace vole::knowledge {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kInstructions =
    "Answer the question using only the numbered sources below. Cite the source of every statement with its number "
    "in square brackets, like [1] or [2][3]. If the sources do not contain the answer, say that they do not.";

std::string one_line(std::string_view text, size_t max_chars) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (out.size() >= max_chars) break;
  }
  out.resize(out.size() - text::incomplete_utf8_tail(out));  // never end inside a UTF-8 character
  if (out.size() < text.size() && out.size() >= max_chars - 4) out += "…";
  return out;
}

// The first `fraction` of `text`, cut after a sentence end or else a space.
std::string shorten(std::string_view text, double fraction) {
  size_t want = static_cast<size_t>(double(text.size()) * std::clamp(fraction, 0.0, 1.0));
  if (want >= text.size()) return std::string(text);
  std::string_view head = text.substr(0, want);
  size_t cut = head.find_last_of(".!?\n");
  if (cut == std::string_view::npos || cut < want / 2) cut = head.find_last_of(' ');
  if (cut == std::string_view::npos || cut == 0)
    cut = want;
  else
    ++cut;
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + " …";
}

}  // namespace

std::string source_label(const ChunkRecord& chunk, const fs::path& relative_to) {
  fs::path shown = chunk.path;
  if (!relative_to.empty()) {
    fs::path rel = chunk.path.lexically_relative(relative_to);
    if (!rel.empty() && *rel.begin() != "..") shown = rel;
  }
  std::string label = shown.string();
  const ChunkLocation& l = chunk.location;
  if (l.page_begin > 0) {
    label += l.page_end > l.page_begin ? ", pages " + std::to_string(l.page_begin) + "-" + std::to_string(l.page_end)
                                       : ", page " + std::to_string(l.page_begin);
  } else if (l.line_begin > 0) {
    label += l.line_end > l.line_begin ? ", lines " + std::to_string(l.line_begin) + "-" + std::to_string(l.line_end)
                                       : ", line " + std::to_string(l.line_begin);
  }
  if (!l.heading.empty()) label += " (" + l.heading + ")";
  return label;
}

AnswerContext build_answer_context(std::string_view question, const std::vector<SearchHit>& hits,
                                   const TokenCounter& counter, const ContextOptions& options) {
  AnswerContext ctx;
  std::string head = std::string(kInstructions) + "\n\n";
  std::string tail = "Question: " + std::string(question) + "\n";
  size_t used = counter.count(head) + counter.count(tail);
  std::string body;
  for (const SearchHit& hit : hits) {
    Source s;
    s.number = static_cast<int>(ctx.sources.size()) + 1;
    s.chunk = hit.chunk;
    s.label = source_label(hit.chunk, options.relative_to);
    s.snippet = one_line(hit.chunk.text, options.snippet_chars);
    std::string header = "[" + std::to_string(s.number) + "] " + s.label + "\n";
    std::string passage = hit.chunk.text;
    size_t cost = counter.count(header) + counter.count(passage) + 1;
    if (used + cost > options.token_budget) {
      size_t header_tokens = counter.count(header) + 1;
      if (used + header_tokens + kMinPassageTokens > options.token_budget) break;
      size_t room = options.token_budget - used - header_tokens;
      // Shrink by the token ratio, then trim further until it fits.
      double fraction = double(room) / double(counter.count(passage));
      passage = shorten(hit.chunk.text, fraction);
      while (counter.count(passage) > room && fraction > 0.05) {
        fraction *= 0.85;
        passage = shorten(hit.chunk.text, fraction);
      }
      if (counter.count(passage) > room) break;
      s.shortened = true;
      cost = header_tokens + counter.count(passage);
    }
    body += header + passage + "\n\n";
    used += cost;
    ctx.sources.push_back(std::move(s));
    if (ctx.sources.back().shortened) break;  // the budget is spent
  }
  ctx.prompt = head + body + tail;
  ctx.tokens = counter.count(ctx.prompt);
  return ctx;
}

std::vector<int> cited_sources(std::string_view answer, size_t source_count) {
  std::vector<int> out;
  for (size_t i = 0; i < answer.size(); ++i) {
    if (answer[i] != '[') continue;
    size_t close = answer.find(']', i);
    if (close == std::string_view::npos || close - i > 40) continue;
    std::string_view inside = answer.substr(i + 1, close - i - 1);
    // Digits separated by commas/spaces only: "1", "2, 3".
    if (inside.empty() || inside.find_first_not_of("0123456789, ") != std::string_view::npos) continue;
    int n = 0;
    bool digits = false;
    auto take = [&] {
      if (digits && n >= 1 && static_cast<size_t>(n) <= source_count &&
          std::find(out.begin(), out.end(), n) == out.end())
        out.push_back(n);
      n = 0;
      digits = false;
    };
    for (char c : inside) {
      if (std::isdigit(static_cast<unsigned char>(c))) {
        n = std::min(n * 10 + (c - '0'), 1000000);
        digits = true;
      } else {
        take();
      }
    }
    take();
    i = close;
  }
  return out;
}

}  // namespace vole::knowledge
