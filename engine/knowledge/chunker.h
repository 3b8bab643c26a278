#pragma once
// Packs a document's blocks into chunks of about `target_tokens` tokens (counted with the
// embedding model's tokenizer) for indexing. Structure is respected: a heading always starts
// a new chunk and names the chunks after it ("Guide > Install"); paragraphs and code blocks
// are kept whole when they fit in a chunk; only a block larger than a chunk is cut, at
// sentence ends (text) or line ends (code), and a sentence or line larger than a chunk at
// spaces, then anywhere between characters. Consecutive chunks of one section share about
// `overlap_tokens` of text (whole sentences/lines/blocks), so a passage cut at a chunk edge is
// still found whole in one of them. Deterministic: the same blocks give the same chunks, which
// is what lets an interrupted indexing run resume where it stopped.
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "knowledge/token_counter.h"
#include "knowledge/types.h"

namespace vole::knowledge {

struct ChunkerOptions {
  size_t target_tokens = 400;
  size_t overlap_tokens = 60;
};

struct Chunk {
  uint32_t ordinal = 0;  // 0, 1, 2... in the document
  std::string text;
  ChunkLocation location;
  size_t tokens = 0;  // of `text`, by the counter
};

class Chunker {
 public:
  using Sink = std::function<void(Chunk&&)>;
  Chunker(const TokenCounter& counter, ChunkerOptions options, Sink sink);

  void add(const TextBlock& block);
  void finish();

 private:
  struct Unit {
    std::string text;  // exact source text of the piece (a whole block, or part of one)
    uint64_t block_id = 0;
    uint64_t byte_begin = 0;
    uint32_t line_begin = 0, line_end = 0, page = 0;
    size_t tokens = 0;
  };
  void add_unit(Unit unit);
  void split(const TextBlock& block, uint64_t block_id, std::vector<Unit>& out) const;
  void emit();
  std::string heading_path() const;

  const TokenCounter& counter_;
  ChunkerOptions options_;
  Sink sink_;
  std::vector<std::pair<int, std::string>> headings_;  // the open sections, outermost first
  std::vector<Unit> units_;                            // of the chunk being built
  size_t tokens_ = 0;
  std::string heading_;  // path of the chunk being built
  uint64_t next_block_ = 0;
  uint32_t next_ordinal_ = 0;
};

}  // namespace vole::knowledge
