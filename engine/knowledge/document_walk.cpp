#include "knowledge/document_walk.h"

#include <algorithm>

#include "text/utf8.h"
#include "util/error.h"

namespace vole::knowledge {

namespace {

// Length of the longest start of `next` that is also an end of `prev` (the chunks' overlap).
size_t overlap_length(std::string_view prev, std::string_view next) {
  size_t anchor_len = std::min<size_t>({prev.size(), next.size(), 32});
  if (anchor_len == 0) return 0;
  std::string_view anchor = prev.substr(prev.size() - anchor_len);
  size_t best = 0;
  for (size_t at = next.find(anchor); at != std::string_view::npos && at + anchor_len <= prev.size();
       at = next.find(anchor, at + 1)) {
    size_t end = at + anchor_len;
    if (prev.substr(prev.size() - end) == next.substr(0, end)) best = end;
  }
  return best;
}

std::string where(const ChunkRecord& first, const ChunkRecord& last) {
  if (first.location.page_begin > 0) {
    uint32_t a = first.location.page_begin, b = last.location.page_end;
    return b > a ? "pages " + std::to_string(a) + "-" + std::to_string(b) : "page " + std::to_string(a);
  }
  uint32_t a = first.location.line_begin, b = last.location.line_end;
  return b > a ? "lines " + std::to_string(a) + "-" + std::to_string(b) : "line " + std::to_string(a);
}

std::string map_prompt(std::string_view name, std::string_view task, size_t i, size_t n, const DocumentPart& part) {
  return "You are reading part " + std::to_string(i) + " of " + std::to_string(n) + " of the document \"" +
         std::string(name) + "\", one part at a time.\nTask: " + std::string(task) +
         "\n\nWrite notes on everything in this part that matters for the task: facts, names, numbers and short "
         "quotes, each with where it is (" +
         part.where + "). If nothing in this part matters for the task, write \"Nothing relevant.\"\n\nPart " +
         std::to_string(i) + " (" + part.where + "):\n" + part.text + "\n";
}

std::string whole_prompt(std::string_view name, std::string_view task, const DocumentPart& part) {
  return "Here is the whole document \"" + std::string(name) + "\" (" + part.where + ").\nTask: " + std::string(task) +
         "\n\n" + part.text + "\n";
}

std::string reduce_prompt(std::string_view name, std::string_view task, const std::vector<std::string>& notes,
                          size_t first_number, bool final_step) {
  std::string p = "Here are notes taken from consecutive parts of the document \"" + std::string(name) +
                  "\".\nTask: " + std::string(task) + "\n\n";
  for (size_t i = 0; i < notes.size(); ++i)
    p += "Notes on part " + std::to_string(first_number + i) + ":\n" + notes[i] + "\n\n";
  p += final_step ? "Using these notes, do the task for the whole document.\n"
                  : "Combine these notes into one set of notes for the task, keeping every fact, number and "
                    "location that matters.\n";
  return p;
}

std::string cut_to_tokens(const std::string& text, size_t tokens, const TokenCounter& counter) {
  std::string s = text;
  while (!s.empty() && counter.count(s) > tokens) {
    s.resize(s.size() * 3 / 4);
    s.resize(s.size() - text::incomplete_utf8_tail(s));
  }
  return s;
}

}  // namespace

std::vector<DocumentPart> document_parts(const std::vector<ChunkRecord>& chunks, const TokenCounter& counter,
                                         size_t part_tokens) {
  std::vector<DocumentPart> parts;
  std::string text;
  size_t tokens = 0;
  const ChunkRecord* first = nullptr;
  const ChunkRecord* prev = nullptr;
  auto close = [&] {
    if (!first) return;
    parts.push_back({std::move(text), where(*first, *prev)});
    text.clear();
    tokens = 0;
    first = nullptr;
  };
  for (const ChunkRecord& c : chunks) {
    std::string_view piece = c.text;
    if (prev && prev->location.byte_end > c.location.byte_begin)
      piece.remove_prefix(overlap_length(prev->text, c.text));
    while (!piece.empty() && (piece.front() == ' ' || piece.front() == '\n')) piece.remove_prefix(1);
    if (piece.empty()) {
      prev = &c;
      continue;
    }
    size_t n = counter.count(piece);
    if (first && tokens + n > part_tokens) close();
    if (!first) first = &c;
    if (!text.empty()) text += "\n\n";
    text += piece;
    tokens += n;
    prev = &c;
  }
  close();
  return parts;
}

std::string walk_document(const std::vector<ChunkRecord>& chunks, std::string_view document_name, std::string_view task,
                          const TokenCounter& counter, const Generate& generate, const WalkOptions& options,
                          const std::function<void(const WalkProgress&)>& progress) {
  require(!chunks.empty(), "the document has no indexed text to read");
  size_t frame = counter.count(map_prompt(document_name, task, 99, 99, {"", "pages 999-999"}));
  require(
      options.context_tokens > frame + options.answer_tokens + 256,
      "a context of " + std::to_string(options.context_tokens) + " tokens is too small to read a document in parts");
  size_t budget = options.context_tokens - options.answer_tokens;  // for any prompt
  std::vector<DocumentPart> parts = document_parts(chunks, counter, budget - frame);
  auto report = [&](size_t level, size_t done, size_t total) {
    if (progress) progress({level, done, total});
  };

  if (parts.size() == 1) {
    report(0, 0, 1);
    std::string answer = generate(whole_prompt(document_name, task, parts[0]), true);
    report(0, 1, 1);
    return answer;
  }

  std::vector<std::string> notes;
  for (size_t i = 0; i < parts.size(); ++i) {
    report(0, i, parts.size());
    notes.push_back(generate(map_prompt(document_name, task, i + 1, parts.size(), parts[i]), false));
  }
  report(0, parts.size(), parts.size());

  for (size_t level = 1;; ++level) {
    if (notes.size() == 1) {  // a single note always ends the walk, shortened if it must be
      size_t final_frame = counter.count(reduce_prompt(document_name, task, {""}, 1, true));
      notes[0] = cut_to_tokens(notes[0], budget > final_frame + 16 ? budget - final_frame - 16 : 16, counter);
    }
    std::string all = reduce_prompt(document_name, task, notes, 1, true);
    if (notes.size() == 1 || counter.count(all) <= budget) {
      report(level, 0, 1);
      std::string answer = generate(all, true);
      report(level, 1, 1);
      return answer;
    }
    // Too long for one prompt: combine groups of consecutive notes that fit.
    size_t empty_frame = counter.count(reduce_prompt(document_name, task, {}, 1, false));
    std::vector<std::vector<std::string>> groups;
    size_t used = 0;
    for (auto& note : notes) {
      size_t n = counter.count(note) + 16;
      if (n + empty_frame > budget) {
        note = cut_to_tokens(note, budget - empty_frame - 16, counter);
        n = counter.count(note) + 16;
      }
      if (groups.empty() || used + n + empty_frame > budget) {
        groups.emplace_back();
        used = 0;
      }
      groups.back().push_back(std::move(note));
      used += n;
    }
    if (groups.size() == notes.size() && groups.size() > 1) {
      // Each note alone fills a prompt: merge pairs by shortening, so the walk always ends.
      for (auto& g : groups) g[0] = cut_to_tokens(g[0], (budget - empty_frame) / 2 - 16, counter);
      std::vector<std::vector<std::string>> paired;
      for (size_t i = 0; i < groups.size(); i += 2) {
        paired.push_back(groups[i]);
        if (i + 1 < groups.size()) paired.back().push_back(groups[i + 1][0]);
      }
      groups = std::move(paired);
    }
    std::vector<std::string> combined;
    size_t first = 1;
    for (size_t g = 0; g < groups.size(); ++g) {
      report(level, g, groups.size());
      combined.push_back(generate(reduce_prompt(document_name, task, groups[g], first, false), false));
      first += groups[g].size();
    }
    report(level, groups.size(), groups.size());
    notes = std::move(combined);
  }
}

}  // namespace vole::knowledge
