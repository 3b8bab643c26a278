#pragma once
// The knowledge index: one SQLite file (default data_dir()/knowledge.db, beside the
// conversations) holding collections (a name, folders and chunking settings), their
// documents, chunks with an FTS5 index, and embedding vectors per model (schema.h).
//
// Durability as the conversation store: WAL journal, synchronous=NORMAL, every change in a
// transaction, so a killed process leaves the index as of its last commit (and indexer.h
// makes that a state the next run continues from). Errors are memory::StoreErrors naming the
// "knowledge index" and saying what to do.
//
// Threads: a KnowledgeBase is one connection, used from one thread at a time. Open one per
// thread (the indexer's thread and the UI's); WAL lets readers search while the indexer
// writes.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "knowledge/types.h"
#include "knowledge/vector_codec.h"

namespace vole::memory::sqlite {
class Connection;
}

namespace vole::knowledge {

struct CollectionSettings {
  size_t chunk_tokens = 400;
  size_t overlap_tokens = 60;
  VectorEncoding vector_encoding = VectorEncoding::Int8;
};

struct Collection {
  CollectionId id = 0;
  std::string name;
  std::vector<std::filesystem::path> folders;
  CollectionSettings settings;
  int64_t created_at = 0;
  int64_t chunking_epoch = 1;        // bumped by request_rebuild
  int64_t revision = 0;              // bumped by every committed change of its documents or vectors
  std::optional<int64_t> model_row;  // the embedding model its vectors belong to (models.id)
  std::string model;                 // its model id ("" when none)
  size_t model_dims = 0;
};

struct DocumentIssue {
  std::filesystem::path path;
  std::string reason;
};

struct CollectionStatus {
  size_t documents_indexed = 0;
  size_t documents_pending = 0;  // found but not (completely) indexed yet
  size_t documents_skipped = 0;
  size_t chunks = 0;               // live chunks
  size_t chunks_with_vectors = 0;  // of them, embedded with the collection's model
  std::string model;
  uint64_t database_bytes = 0;         // the whole index file with its WAL (all collections)
  std::vector<DocumentIssue> skipped;  // the first max_issues, by path
};

// A chunk with its document, as citations and "show the passage" need it.
struct ChunkRecord {
  ChunkId id = 0;
  DocumentId document = 0;
  std::filesystem::path path;
  std::string format;
  uint32_t ordinal = 0;
  std::string text;
  ChunkLocation location;
  size_t tokens = 0;
};

class KnowledgeBase {
 public:
  struct OpenOptions {
    std::filesystem::path path;  // empty: default_path()
    bool create_directories = true;
    std::chrono::milliseconds busy_timeout{5000};
    std::function<int64_t()> clock_ms;  // unix ms; empty: the system clock
  };

  static std::filesystem::path default_path();  // data_dir()/knowledge.db
  static KnowledgeBase open(const OpenOptions& options);
  static KnowledgeBase open();  // the default path

  KnowledgeBase(KnowledgeBase&&) noexcept;
  KnowledgeBase& operator=(KnowledgeBase&&) noexcept;
  ~KnowledgeBase();

  // Collections. Names are 1..200 characters and unique; folders must exist when added
  // (InvalidArgument/NotFound otherwise) and are stored as absolute paths.
  Collection create_collection(const std::string& name, const std::vector<std::filesystem::path>& folders,
                               const CollectionSettings& settings = {});
  std::vector<Collection> collections();
  std::optional<Collection> find_collection(const std::string& name);
  Collection collection(CollectionId id);  // NotFound if it does not exist
  void add_folder(CollectionId id, const std::filesystem::path& folder);
  void remove_folder(CollectionId id, const std::filesystem::path& folder);  // its documents leave at the next run
  // New chunk sizes or vector encoding: the next indexing run re-chunks (and re-embeds what
  // changed) everything. Vectors of unchanged chunks are reused.
  void set_settings(CollectionId id, const CollectionSettings& settings);
  void request_rebuild(CollectionId id);  // re-chunk everything at the next run
  void remove_collection(CollectionId id);

  CollectionStatus status(CollectionId id, size_t max_issues = 100);

  std::optional<ChunkRecord> chunk(ChunkId id);
  // The live chunks of one document, in order (whole-document mode).
  std::vector<ChunkRecord> document_chunks(DocumentId id);
  std::optional<DocumentId> find_document(CollectionId collection, const std::filesystem::path& path);
  // The collection's indexed documents with their paths, by path (the whole-document picker).
  std::vector<std::pair<DocumentId, std::filesystem::path>> indexed_documents(CollectionId collection);

  const std::filesystem::path& path() const;
  int64_t now_ms() const;
  // The connection, for the indexer and the retriever of this library.
  memory::sqlite::Connection& connection();

 private:
  struct Impl;
  explicit KnowledgeBase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vole::knowledge
