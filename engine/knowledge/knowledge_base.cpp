#include "knowledge/knowledge_base.h"

#include <sqlite3.h>

#include "knowledge/schema.h"
#include "memory/database_file.h"
#include "memory/migrations.h"
#include "memory/sqlite.h"
#include "util/error.h"
#include "util/paths.h"

namespace vole::knowledge {

namespace fs = std::filesystem;
using memory::sqlite::Connection;
using memory::sqlite::Operation;
using memory::sqlite::Statement;
using memory::sqlite::Transaction;

struct KnowledgeBase::Impl {
  fs::path path;
  std::unique_ptr<Connection> conn;
  std::function<int64_t()> clock_ms;
};

namespace {

constexpr const char* kNoun = "knowledge index";
constexpr const char* kCollectionColumns =
    "c.id, c.name, c.created_at, c.chunk_tokens, c.overlap_tokens, c.vector_encoding, c.chunking_epoch, c.revision, "
    "c.model_id, m.name, m.dims";

int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

fs::path folder_path(const fs::path& folder) {
  std::error_code ec;
  fs::path p = fs::absolute(folder, ec).lexically_normal();
  if (ec) fail(ErrorCode::InvalidArgument, "cannot use the folder " + folder.string() + ": " + ec.message());
  if (!p.empty() && p.filename().empty()) p = p.parent_path();  // no trailing separator
  if (!fs::is_directory(p, ec)) fail(ErrorCode::NotFound, "the folder " + p.string() + " does not exist");
  return p;
}

void check_settings(const CollectionSettings& s) {
  require(s.chunk_tokens >= 16 && s.chunk_tokens <= 8192,
          "chunk size must be 16..8192 tokens, not " + std::to_string(s.chunk_tokens));
  require(s.overlap_tokens <= s.chunk_tokens / 2, "chunk overlap must be at most half the chunk size (" +
                                                      std::to_string(s.chunk_tokens / 2) + " tokens), not " +
                                                      std::to_string(s.overlap_tokens));
}

Collection read_collection(const Statement& st) {
  Collection c;
  c.id = st.int64(0);
  c.name = st.text(1);
  c.created_at = st.int64(2);
  c.settings.chunk_tokens = static_cast<size_t>(st.int64(3));
  c.settings.overlap_tokens = static_cast<size_t>(st.int64(4));
  c.settings.vector_encoding = vector_encoding_from_name(st.text(5)).value_or(VectorEncoding::Int8);
  c.chunking_epoch = st.int64(6);
  c.revision = st.int64(7);
  c.model_row = st.optional_int64(8);
  c.model = st.optional_text(9).value_or("");
  c.model_dims = static_cast<size_t>(st.optional_int64(10).value_or(0));
  return c;
}

void read_folders(Connection& conn, Collection& c) {
  auto st = conn.prepare("SELECT path FROM folders WHERE collection_id = ?1 ORDER BY path");
  st.bind(1, c.id);
  while (st.step()) c.folders.emplace_back(st.text(0));
}

ChunkRecord read_chunk(const Statement& st) {
  ChunkRecord r;
  r.id = st.int64(0);
  r.document = st.int64(1);
  r.path = st.text(2);
  r.format = st.optional_text(3).value_or("");
  r.ordinal = static_cast<uint32_t>(st.int64(4));
  r.text = st.text(5);
  r.location.heading = st.text(6);
  r.tokens = static_cast<size_t>(st.int64(7));
  r.location.byte_begin = static_cast<uint64_t>(st.int64(8));
  r.location.byte_end = static_cast<uint64_t>(st.int64(9));
  r.location.line_begin = static_cast<uint32_t>(st.int64(10));
  r.location.line_end = static_cast<uint32_t>(st.int64(11));
  r.location.page_begin = static_cast<uint32_t>(st.int64(12));
  r.location.page_end = static_cast<uint32_t>(st.int64(13));
  return r;
}

// The collection matching `where` (with ?1 bound to `key`), with its folders.
template <class Key>
std::optional<Collection> select_collection(Connection& conn, const char* where, const Key& key) {
  std::optional<Collection> c;
  {
    auto st = conn.prepare(std::string("SELECT ") + kCollectionColumns +
                           " FROM collections c LEFT JOIN models m ON m.id = c.model_id WHERE " + where);
    st.bind(1, key);
    if (st.step()) c = read_collection(st);
  }
  if (c) read_folders(conn, *c);
  return c;
}

constexpr const char* kChunkSelect =
    "SELECT c.id, c.document_id, d.path, d.format, c.ordinal, c.text, c.heading, c.token_count, c.byte_begin, "
    "c.byte_end, c.line_begin, c.line_end, c.page_begin, c.page_end FROM chunks c JOIN documents d ON d.id = "
    "c.document_id ";

uint64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

}  // namespace

fs::path KnowledgeBase::default_path() { return data_dir() / "knowledge.db"; }

KnowledgeBase KnowledgeBase::open(const OpenOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = options.path.empty() ? default_path() : options.path;
  impl->clock_ms = options.clock_ms ? options.clock_ms : system_ms;
  memory::ensure_database_directory(impl->path, options.create_directories, kNoun);
  impl->conn = std::make_unique<Connection>(impl->path.string(),
                                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                            impl->path.string(), kNoun);
  Connection& conn = *impl->conn;
  memory::configure_connection(conn, options.busy_timeout);
  {
    Operation op(conn, "cannot open the knowledge index");
    memory::verify_database(conn);
    memory::require_known_version(conn, knowledge_migrations());
    memory::enter_wal_mode(conn);
  }
  memory::migrate(conn, knowledge_migrations(), kKnowledgeSchemaVersion);
  return KnowledgeBase(std::move(impl));
}

KnowledgeBase KnowledgeBase::open() { return open(OpenOptions{}); }

KnowledgeBase::KnowledgeBase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KnowledgeBase::KnowledgeBase(KnowledgeBase&&) noexcept = default;
KnowledgeBase& KnowledgeBase::operator=(KnowledgeBase&&) noexcept = default;
KnowledgeBase::~KnowledgeBase() = default;

const fs::path& KnowledgeBase::path() const { return impl_->path; }
int64_t KnowledgeBase::now_ms() const { return impl_->clock_ms(); }
Connection& KnowledgeBase::connection() { return *impl_->conn; }

Collection KnowledgeBase::create_collection(const std::string& name, const std::vector<fs::path>& folders,
                                            const CollectionSettings& settings) {
  require(!name.empty() && name.size() <= 200, "a collection name has 1 to 200 characters");
  check_settings(settings);
  std::vector<fs::path> paths;
  for (const auto& f : folders) paths.push_back(folder_path(f));
  Connection& conn = connection();
  Operation op(conn, "cannot create the collection");
  Transaction tx(conn);
  {
    auto st = conn.prepare("SELECT 1 FROM collections WHERE name = ?1");
    st.bind(1, name);
    if (st.step()) fail(ErrorCode::InvalidArgument, "a collection named \"" + name + "\" exists already");
  }
  auto st = conn.prepare(
      "INSERT INTO collections (name, created_at, chunk_tokens, overlap_tokens, vector_encoding) VALUES (?1, ?2, ?3, "
      "?4, ?5)");
  st.bind(1, name)
      .bind(2, now_ms())
      .bind(3, static_cast<int64_t>(settings.chunk_tokens))
      .bind(4, static_cast<int64_t>(settings.overlap_tokens))
      .bind(5, encoding_name(settings.vector_encoding))
      .run();
  CollectionId id = conn.last_insert_rowid();
  for (const auto& p : paths) {
    auto f = conn.prepare("INSERT OR IGNORE INTO folders (collection_id, path) VALUES (?1, ?2)");
    f.bind(1, id).bind(2, p.string()).run();
  }
  tx.commit();
  return collection(id);
}

std::vector<Collection> KnowledgeBase::collections() {
  Connection& conn = connection();
  std::vector<Collection> out;
  {
    auto st = conn.prepare(std::string("SELECT ") + kCollectionColumns +
                           " FROM collections c LEFT JOIN models m ON m.id = c.model_id ORDER BY c.name");
    while (st.step()) out.push_back(read_collection(st));
  }
  for (auto& c : out) read_folders(conn, c);
  return out;
}

std::optional<Collection> KnowledgeBase::find_collection(const std::string& name) {
  return select_collection(connection(), "c.name = ?1", name);
}

Collection KnowledgeBase::collection(CollectionId id) {
  std::optional<Collection> c = select_collection(connection(), "c.id = ?1", id);
  if (!c) fail(ErrorCode::NotFound, "no collection with id " + std::to_string(id));
  return *c;
}

void KnowledgeBase::add_folder(CollectionId id, const fs::path& folder) {
  fs::path p = folder_path(folder);
  collection(id);
  auto st = connection().prepare("INSERT OR IGNORE INTO folders (collection_id, path) VALUES (?1, ?2)");
  st.bind(1, id).bind(2, p.string()).run();
}

void KnowledgeBase::remove_folder(CollectionId id, const fs::path& folder) {
  fs::path p = fs::absolute(folder).lexically_normal();
  if (!p.empty() && p.filename().empty()) p = p.parent_path();
  auto st = connection().prepare("DELETE FROM folders WHERE collection_id = ?1 AND path = ?2");
  st.bind(1, id).bind(2, p.string()).run();
  if (connection().changes() == 0) fail(ErrorCode::NotFound, "the collection has no folder " + p.string());
}

void KnowledgeBase::set_settings(CollectionId id, const CollectionSettings& settings) {
  check_settings(settings);
  collection(id);
  auto st = connection().prepare(
      "UPDATE collections SET chunk_tokens = ?2, overlap_tokens = ?3, vector_encoding = ?4, revision = revision + 1 "
      "WHERE id = ?1");
  st.bind(1, id)
      .bind(2, static_cast<int64_t>(settings.chunk_tokens))
      .bind(3, static_cast<int64_t>(settings.overlap_tokens))
      .bind(4, encoding_name(settings.vector_encoding))
      .run();
}

void KnowledgeBase::request_rebuild(CollectionId id) {
  collection(id);
  auto st = connection().prepare("UPDATE collections SET chunking_epoch = chunking_epoch + 1 WHERE id = ?1");
  st.bind(1, id).run();
}

void KnowledgeBase::remove_collection(CollectionId id) {
  Connection& conn = connection();
  Operation op(conn, "cannot remove the collection");
  Transaction tx(conn);
  auto st = conn.prepare("DELETE FROM collections WHERE id = ?1");
  st.bind(1, id).run();
  if (conn.changes() == 0) fail(ErrorCode::NotFound, "no collection with id " + std::to_string(id));
  // Vectors no chunk refers to any more, and models no collection uses, go too.
  conn.exec("DELETE FROM vectors WHERE NOT EXISTS (SELECT 1 FROM chunks WHERE chunks.embed_hash = vectors.embed_hash)");
  conn.exec("DELETE FROM models WHERE id NOT IN (SELECT model_id FROM collections WHERE model_id IS NOT NULL)");
  tx.commit();
}

CollectionStatus KnowledgeBase::status(CollectionId id, size_t max_issues) {
  Collection c = collection(id);
  Connection& conn = connection();
  CollectionStatus s;
  s.model = c.model;
  {
    auto st = conn.prepare("SELECT state, count(*) FROM documents WHERE collection_id = ?1 GROUP BY state");
    st.bind(1, id);
    while (st.step()) {
      std::string state = st.text(0);
      size_t n = static_cast<size_t>(st.int64(1));
      if (state == "indexed")
        s.documents_indexed = n;
      else if (state == "skipped")
        s.documents_skipped = n;
      else
        s.documents_pending = n;
    }
  }
  {
    auto st = conn.prepare(
        "SELECT count(*), count(v.embed_hash) FROM documents d JOIN chunks c ON c.document_id = d.id AND c.generation "
        "= d.generation LEFT JOIN vectors v ON v.model_id = ?2 AND v.embed_hash = c.embed_hash WHERE d.collection_id "
        "= ?1");
    st.bind(1, id).bind(2, c.model_row.value_or(-1));
    if (st.step()) {
      s.chunks = static_cast<size_t>(st.int64(0));
      s.chunks_with_vectors = static_cast<size_t>(st.int64(1));
    }
  }
  {
    auto st = conn.prepare(
        "SELECT path, coalesce(reason, '') FROM documents WHERE collection_id = ?1 AND state = 'skipped' ORDER BY path "
        "LIMIT ?2");
    st.bind(1, id).bind(2, static_cast<int64_t>(max_issues));
    while (st.step()) s.skipped.push_back({st.text(0), st.text(1)});
  }
  s.database_bytes = file_size_or_zero(impl_->path) + file_size_or_zero(impl_->path.string() + "-wal");
  return s;
}

std::optional<ChunkRecord> KnowledgeBase::chunk(ChunkId id) {
  auto st = connection().prepare(std::string(kChunkSelect) + "WHERE c.id = ?1");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read_chunk(st);
}

std::vector<ChunkRecord> KnowledgeBase::document_chunks(DocumentId id) {
  auto st = connection().prepare(std::string(kChunkSelect) +
                                 "WHERE c.document_id = ?1 AND c.generation = d.generation ORDER BY c.ordinal");
  st.bind(1, id);
  std::vector<ChunkRecord> out;
  while (st.step()) out.push_back(read_chunk(st));
  return out;
}

std::vector<std::pair<DocumentId, fs::path>> KnowledgeBase::indexed_documents(CollectionId collection) {
  auto st = connection().prepare(
      "SELECT id, path FROM documents WHERE collection_id = ?1 AND state = 'indexed' AND chunk_count > 0 "
      "ORDER BY path");
  st.bind(1, collection);
  std::vector<std::pair<DocumentId, fs::path>> out;
  while (st.step()) out.emplace_back(st.int64(0), fs::path(st.text(1)));
  return out;
}

std::optional<DocumentId> KnowledgeBase::find_document(CollectionId collection, const fs::path& path) {
  auto st = connection().prepare("SELECT id FROM documents WHERE collection_id = ?1 AND path = ?2");
  st.bind(1, collection).bind(2, path.lexically_normal().string());
  if (!st.step()) return std::nullopt;
  return st.int64(0);
}

}  // namespace vole::knowledge
