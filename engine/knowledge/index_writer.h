#pragma once
// Every change the indexer makes to the knowledge index, each in its own transaction so that
// the index is consistent after any of them (a kill between two is harmless): documents
// skipped, touched, renamed or removed; a document's new chunk generation begun, written in
// batches and made live; vectors stored per (model, embed hash); unreferenced vectors and
// unused models collected. See schema.cpp for the generation scheme.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "knowledge/chunker.h"
#include "knowledge/folder_scan.h"
#include "knowledge/knowledge_base.h"

namespace vole::knowledge {

struct DocumentRow {
  DocumentId id = 0;
  std::string path;
  std::string state;  // pending, indexed, skipped
  int64_t size = -1;
  int64_t mtime_ns = 0;
  std::optional<uint64_t> content_hash;
  std::string chunking;
  int64_t generation = 0;
  std::optional<int64_t> pending_generation;
  std::optional<uint64_t> pending_hash;
  std::string pending_chunking;
};

// A chunk of a document's pending generation, ready to store.
struct ChunkToStore {
  Chunk chunk;
  uint64_t embed_hash = 0;
};

// What embedding a chunk means: its heading path (if any), a blank line, then its text.
std::string embed_input(const std::string& heading, const std::string& text);

class IndexWriter {
 public:
  IndexWriter(KnowledgeBase& kb, CollectionId collection);

  std::vector<DocumentRow> documents();

  // The models row for (name, dims, encoding), created if needed, made the collection's model.
  int64_t use_model(const std::string& name, size_t dims, VectorEncoding encoding);

  void mark_skipped(std::optional<DocumentId> existing, const FoundFile& file, const std::string& reason,
                    const std::string& chunking);
  void touch(DocumentId id, const FoundFile& file);  // same content, new size/mtime
  void move(DocumentId id, const FoundFile& file);   // renamed: same content, new path
  void remove(std::span<const DocumentId> ids);

  struct Pending {
    DocumentId id = 0;
    int64_t generation = 0;
    std::vector<uint64_t> stored;  // embed hashes of the chunks already written, by ordinal
  };
  // Continues the pending generation when it was begun for the same content and chunking;
  // otherwise starts a new one (dropping any other pending chunks).
  Pending begin(std::optional<DocumentId> existing, const FoundFile& file, DocumentFormat format, uint64_t hash,
                const std::string& chunking);
  // Drops pending chunks from `ordinal` on (their content differs from what is being made).
  void truncate(const Pending& pending, uint32_t ordinal);
  // Writes chunks of the pending generation and the new vectors (hash -> encoded) at once.
  void write(const Pending& pending, std::span<const ChunkToStore> chunks,
             const std::unordered_map<uint64_t, std::vector<uint8_t>>& vectors, std::optional<int64_t> model);
  // Makes the pending generation live and drops the old one.
  void finish(const Pending& pending, const FoundFile& file, uint64_t hash, const std::string& chunking,
              uint32_t chunk_count);
  // Drops a document's pending chunks (the file could not be read to the end).
  void abandon(const Pending& pending);

  // Which of `hashes` have a vector for `model`.
  std::unordered_set<uint64_t> vectors_present(int64_t model, std::span<const uint64_t> hashes);

  struct Unembedded {
    uint64_t embed_hash = 0;
    std::string input;  // embed_input(heading, text)
  };
  // Live chunks of the collection without a vector for `model` (distinct hashes), up to `limit`.
  std::vector<Unembedded> unembedded(int64_t model, size_t limit);
  void store_vectors(int64_t model, const std::unordered_map<uint64_t, std::vector<uint8_t>>& vectors);

  // Vectors no chunk refers to and models no collection uses.
  void collect_garbage();

 private:
  void bump_revision();
  KnowledgeBase& kb_;
  CollectionId collection_;
};

}  // namespace vole::knowledge
