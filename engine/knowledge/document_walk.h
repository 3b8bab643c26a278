#pragma once
// Whole-document mode: questions about a whole document ("summarise this report", "list every
// invoice number") fail with top-k retrieval, so the document is read in order, in parts that
// fit the chat model's context (map), and the notes from the parts are combined (reduce),
// hierarchically when they do not fit at once. Generation is a callback (the chat model in
// the app, a test double in tests), so this runs anywhere.
//
//   map    "You are reading part 3 of 7 of the document "report.pdf". Task: <task> ... Part 3
//          (pages 5-7): <text>"  ->  notes
//   reduce "Here are notes from consecutive parts of ... Task: <task> ... Notes on part 1: ..."
//          -> the answer (or, when the notes are too long for one prompt, notes on groups of
//          parts, reduced again).
//
// The chunks' overlap is removed when parts are assembled, so no text is read twice.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/knowledge_base.h"
#include "knowledge/token_counter.h"

namespace vole::knowledge {

struct WalkOptions {
  size_t context_tokens = 4096;  // the chat model's window
  size_t answer_tokens = 768;    // kept free for each generated answer
};

struct WalkProgress {
  size_t level = 0;  // 0: reading the document; 1, 2...: combining notes
  size_t parts_done = 0;
  size_t parts_total = 0;
};

// Generates the reply to a prompt (may throw, e.g. Error(Cancelled) to stop the walk).
// `final`: this reply is the answer itself (the last call), which a caller may stream.
using Generate = std::function<std::string(const std::string& prompt, bool final)>;

struct DocumentPart {
  std::string text;
  std::string where;  // "lines 1-80", "pages 3-5"
};

// The document's chunks (in order) as parts of at most `part_tokens` tokens, overlap removed.
std::vector<DocumentPart> document_parts(const std::vector<ChunkRecord>& chunks, const TokenCounter& counter,
                                         size_t part_tokens);

// Runs the walk and returns the final answer. `chunks` are the document's chunks in order
// (KnowledgeBase::document_chunks).
std::string walk_document(const std::vector<ChunkRecord>& chunks, std::string_view document_name, std::string_view task,
                          const TokenCounter& counter, const Generate& generate, const WalkOptions& options = {},
                          const std::function<void(const WalkProgress&)>& progress = {});

}  // namespace vole::knowledge
