#pragma once
// Brings a collection's index up to date with its folders, incrementally and resumably.
//
//   1. Scan the folders (folder_scan.h).
//   2. A file whose size and mtime match what was indexed (with the same chunking) is not
//      read. Otherwise it is hashed: same content -> only its size/mtime are updated; the
//      content of a file that disappeared from another path -> a rename, the document moves
//      and nothing is re-read or re-embedded; else it is extracted, chunked, embedded and
//      stored as a new chunk generation, batch by batch, made live when complete.
//   3. Documents whose files are gone leave the index (not those under a folder that could
//      not be listed this time: a missing drive does not wipe an index).
//   4. Live chunks without a vector for the embedder's model get one (a model change).
//   5. Vectors nothing refers to are collected.
//
// Vectors are keyed by the hash of what was embedded, so identical text is embedded once, a
// modified file re-embeds only its changed chunks, and a rename re-embeds nothing.
//
// A killed run leaves the index consistent (every step is a transaction, unfinished chunk
// generations are invisible) and the next run continues a half-indexed file where it stopped:
// chunking is deterministic and the stored chunks are checked against the new ones.
//
// Files that cannot be indexed (binary, encrypted, damaged, a zip bomb, unreadable, vanished)
// are recorded as skipped with the reason and retried when they change; indexing goes on.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "knowledge/chunker.h"
#include "knowledge/embedder.h"
#include "knowledge/extract.h"
#include "knowledge/index_control.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/token_counter.h"

namespace vole::knowledge {

// Bumped when extraction changes what text a file yields: every document is re-chunked.
inline constexpr int kExtractorVersion = 1;

struct IndexIssue {
  std::filesystem::path path;
  std::string reason;
};

struct IndexProgress {
  enum class Phase { Scanning, Indexing, Removing, Embedding, Done, Cancelled };
  Phase phase = Phase::Scanning;
  size_t files_found = 0;    // in the folders
  size_t files_to_read = 0;  // new or changed (known after the scan)
  size_t files_done = 0;     // of those, handled
  uint64_t bytes_to_read = 0;
  uint64_t bytes_done = 0;
  size_t chunks_done = 0;      // written this run
  size_t chunks_total = 0;     // estimate: chunks_done + the rest extrapolated by bytes
  size_t chunks_embedded = 0;  // embedded this run (reused vectors are not counted)
  double chunks_per_second = 0;
  double eta_seconds = -1;  // -1 while unknown
  std::string current_file;
  size_t issues = 0;  // files skipped or unreadable so far (see IndexReport)
  IndexIssue last_issue;
  bool paused = false;
};

const char* phase_name(IndexProgress::Phase phase);

struct IndexReport {
  size_t files_found = 0;
  size_t files_unchanged = 0;
  size_t files_indexed = 0;
  size_t files_renamed = 0;
  size_t files_removed = 0;
  size_t files_skipped = 0;
  size_t chunks_written = 0;
  size_t chunks_embedded = 0;
  size_t vectors_reused = 0;       // chunks whose vector existed already
  std::vector<IndexIssue> issues;  // skipped files and folders that could not be listed
  bool cancelled = false;
  double seconds = 0;
};

struct IndexOptions {
  size_t batch = 0;  // chunks per embed call; 0: the embedder's preferred batch (32 without one)
  std::chrono::milliseconds progress_interval{100};
  ExtractLimits limits;  // its cancel flag is set by the indexer
};

class Indexer {
 public:
  // `counter` counts tokens for chunking (the embedding model's tokenizer); `embedder` may be
  // null: chunks are then stored for keyword search only, and embedded by a later run that has
  // an embedder.
  Indexer(KnowledgeBase& kb, CollectionId collection, const TokenCounter& counter, Embedder* embedder,
          IndexOptions options = {});

  void set_progress(std::function<void(const IndexProgress&)> callback) { on_progress_ = std::move(callback); }
  void set_control(IndexControl* control) { control_ = control; }

  // One run. Cancelled runs return with report.cancelled (nothing lost: the next run goes on).
  // Throws StoreError for database failures (disk full...) and whatever the embedder throws.
  IndexReport run();

 private:
  struct Run;
  KnowledgeBase& kb_;
  CollectionId collection_;
  const TokenCounter& counter_;
  Embedder* embedder_;
  IndexOptions options_;
  IndexControl* control_ = nullptr;
  std::function<void(const IndexProgress&)> on_progress_;
};

}  // namespace vole::knowledge
