#pragma once
// Retrieved passages as the chat model sees them, and the sources list the answer's citations
// point to. The format (documented in docs/ARCHITECTURE.md, engine/knowledge):
//
//   Answer the question using only the numbered sources below. Cite the source of every
//   statement with its number in square brackets, like [1] or [2][3]. If the sources do not
//   contain the answer, say that they do not.
//
//   [1] notes/setup.md, lines 10-24 (Guide > Install)
//   <passage text>
//
//   [2] report.pdf, page 3
//   <passage text>
//
//   Question: <the user's question>
//
// Passages go in rank order while they fit in the token budget (counted with the chat
// model's tokenizer); one that does not fit is shortened at a sentence or word end when at
// least kMinPassageTokens remain, else left out. Sources keep what the app needs to show
// them under the answer and open them: the chunk (document, path, location) and a snippet.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/retriever.h"
#include "knowledge/token_counter.h"

namespace vole::knowledge {

inline constexpr size_t kMinPassageTokens = 48;

struct Source {
  int number = 0;  // [number] in the answer
  ChunkRecord chunk;
  std::string label;    // "notes/setup.md, lines 10-24 (Guide > Install)"
  std::string snippet;  // first ~200 characters of the passage, on one line
  bool shortened = false;
};

struct AnswerContext {
  std::string prompt;  // the whole user message: instructions, sources, question
  std::vector<Source> sources;
  size_t tokens = 0;  // of `prompt`
};

struct ContextOptions {
  size_t token_budget = 2048;         // for the whole prompt
  std::filesystem::path relative_to;  // labels show paths relative to this (e.g. the collection folder)
  size_t snippet_chars = 200;
};

// Where a chunk is, for people: "file, page 3" / "file, pages 3-4" / "file, lines 10-24", plus
// the heading path in parentheses when there is one.
std::string source_label(const ChunkRecord& chunk, const std::filesystem::path& relative_to = {});

AnswerContext build_answer_context(std::string_view question, const std::vector<SearchHit>& hits,
                                   const TokenCounter& counter, const ContextOptions& options = {});

// The source numbers an answer cites ("[1]", "[2][3]", "[1, 3]"), in order of first mention,
// only those in 1..source_count.
std::vector<int> cited_sources(std::string_view answer, size_t source_count);

}  // namespace vole::knowledge
