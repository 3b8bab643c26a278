#include "knowledge/index_writer.h"

#include "memory/sqlite.h"
#include "util/error.h"

namespace vole::knowledge {

using memory::sqlite::Connection;
using memory::sqlite::Operation;
using memory::sqlite::Transaction;

namespace {

// Hashes are unsigned 64-bit; SQLite integers are signed: stored bit for bit.
int64_t to_db(uint64_t h) { return static_cast<int64_t>(h); }
uint64_t from_db(int64_t v) { return static_cast<uint64_t>(v); }

}  // namespace

std::string embed_input(const std::string& heading, const std::string& text) {
  return heading.empty() ? text : heading + "\n\n" + text;
}

IndexWriter::IndexWriter(KnowledgeBase& kb, CollectionId collection) : kb_(kb), collection_(collection) {}

void IndexWriter::bump_revision() {
  auto st = kb_.connection().prepare("UPDATE collections SET revision = revision + 1 WHERE id = ?1");
  st.bind(1, collection_).run();
}

std::vector<DocumentRow> IndexWriter::documents() {
  auto st = kb_.connection().prepare(
      "SELECT id, path, state, size, mtime_ns, content_hash, chunking, generation, pending_generation, pending_hash, "
      "coalesce(pending_chunking, '') FROM documents WHERE collection_id = ?1 ORDER BY path");
  st.bind(1, collection_);
  std::vector<DocumentRow> rows;
  while (st.step()) {
    DocumentRow r;
    r.id = st.int64(0);
    r.path = st.text(1);
    r.state = st.text(2);
    r.size = st.int64(3);
    r.mtime_ns = st.int64(4);
    if (!st.is_null(5)) r.content_hash = from_db(st.int64(5));
    r.chunking = st.text(6);
    r.generation = st.int64(7);
    r.pending_generation = st.optional_int64(8);
    if (!st.is_null(9)) r.pending_hash = from_db(st.int64(9));
    r.pending_chunking = st.text(10);
    rows.push_back(std::move(r));
  }
  return rows;
}

int64_t IndexWriter::use_model(const std::string& name, size_t dims, VectorEncoding encoding) {
  Connection& conn = kb_.connection();
  Operation op(conn, "cannot record the embedding model in the knowledge index");
  Transaction tx(conn);
  auto ins = conn.prepare("INSERT OR IGNORE INTO models (name, dims, encoding) VALUES (?1, ?2, ?3)");
  ins.bind(1, name).bind(2, static_cast<int64_t>(dims)).bind(3, encoding_name(encoding)).run();
  auto sel = conn.prepare("SELECT id FROM models WHERE name = ?1 AND dims = ?2 AND encoding = ?3");
  sel.bind(1, name).bind(2, static_cast<int64_t>(dims)).bind(3, encoding_name(encoding));
  if (!sel.step()) fail(ErrorCode::Internal, "the embedding model row vanished");
  int64_t id = sel.int64(0);
  auto upd = conn.prepare(
      "UPDATE collections SET model_id = ?2, revision = revision + 1 WHERE id = ?1 AND model_id IS NOT ?2");
  upd.bind(1, collection_).bind(2, id).run();
  tx.commit();
  return id;
}

void IndexWriter::mark_skipped(std::optional<DocumentId> existing, const FoundFile& file, const std::string& reason,
                               const std::string& chunking) {
  Connection& conn = kb_.connection();
  Operation op(conn, "cannot record a skipped file in the knowledge index");
  Transaction tx(conn);
  if (existing) {
    auto del = conn.prepare("DELETE FROM chunks WHERE document_id = ?1");
    del.bind(1, *existing).run();
    auto st = conn.prepare(
        "UPDATE documents SET state = 'skipped', reason = ?2, size = ?3, mtime_ns = ?4, content_hash = NULL, chunking "
        "= ?5, generation = 0, chunk_count = 0, pending_generation = NULL, pending_hash = NULL, pending_chunking = "
        "NULL, indexed_at = ?6 WHERE id = ?1");
    st.bind(1, *existing)
        .bind(2, reason)
        .bind(3, static_cast<int64_t>(file.size))
        .bind(4, file.mtime_ns)
        .bind(5, chunking)
        .bind(6, kb_.now_ms())
        .run();
  } else {
    auto st = conn.prepare(
        "INSERT INTO documents (collection_id, path, state, reason, size, mtime_ns, chunking, indexed_at) VALUES (?1, "
        "?2, 'skipped', ?3, ?4, ?5, ?6, ?7)");
    st.bind(1, collection_)
        .bind(2, file.path.string())
        .bind(3, reason)
        .bind(4, static_cast<int64_t>(file.size))
        .bind(5, file.mtime_ns)
        .bind(6, chunking)
        .bind(7, kb_.now_ms())
        .run();
  }
  bump_revision();
  tx.commit();
}

void IndexWriter::touch(DocumentId id, const FoundFile& file) {
  auto st = kb_.connection().prepare("UPDATE documents SET size = ?2, mtime_ns = ?3 WHERE id = ?1");
  st.bind(1, id).bind(2, static_cast<int64_t>(file.size)).bind(3, file.mtime_ns).run();
}

void IndexWriter::move(DocumentId id, const FoundFile& file) {
  Connection& conn = kb_.connection();
  Operation op(conn, "cannot record a renamed file in the knowledge index");
  Transaction tx(conn);
  auto st = conn.prepare("UPDATE documents SET path = ?2, size = ?3, mtime_ns = ?4 WHERE id = ?1");
  st.bind(1, id).bind(2, file.path.string()).bind(3, static_cast<int64_t>(file.size)).bind(4, file.mtime_ns).run();
  bump_revision();
  tx.commit();
}

void IndexWriter::remove(std::span<const DocumentId> ids) {
  if (ids.empty()) return;
  Connection& conn = kb_.connection();
  Operation op(conn, "cannot remove deleted files from the knowledge index");
  Transaction tx(conn);
  for (DocumentId id : ids) {
    auto st = conn.prepare("DELETE FROM documents WHERE id = ?1");
    st.bind(1, id).run();
  }
  bump_revision();
  tx.commit();
}

IndexWriter::Pending IndexWriter::begin(std::optional<DocumentId> existing, const FoundFile& file,
                                        DocumentFormat format, uint64_t hash, const std::string& chunking) {
  Connection& conn = kb_.connection();
  Operation op(conn, "cannot start indexing a file");
  Transaction tx(conn);
  Pending p;
  if (!existing) {
    auto st = conn.prepare(
        "INSERT INTO documents (collection_id, path, state, format, pending_generation, pending_hash, "
        "pending_chunking) VALUES (?1, ?2, 'pending', ?3, 1, ?4, ?5)");
    st.bind(1, collection_)
        .bind(2, file.path.string())
        .bind(3, format_name(format))
        .bind(4, to_db(hash))
        .bind(5, chunking)
        .run();
    p.id = conn.last_insert_rowid();
    p.generation = 1;
    tx.commit();
    return p;
  }
  p.id = *existing;
  auto sel = conn.prepare(
      "SELECT generation, pending_generation, pending_hash, coalesce(pending_chunking, '') FROM documents WHERE id = "
      "?1");
  sel.bind(1, p.id);
  if (!sel.step()) fail(ErrorCode::Internal, "document " + std::to_string(p.id) + " vanished while indexing");
  int64_t live = sel.int64(0);
  std::optional<int64_t> pending = sel.optional_int64(1);
  bool same = pending && !sel.is_null(2) && from_db(sel.int64(2)) == hash && sel.text(3) == chunking;
  sel.reset();
  if (same) {
    p.generation = *pending;
    auto st = conn.prepare("SELECT embed_hash FROM chunks WHERE document_id = ?1 AND generation = ?2 ORDER BY ordinal");
    st.bind(1, p.id).bind(2, p.generation);
    while (st.step()) p.stored.push_back(from_db(st.int64(0)));
  } else {
    p.generation = std::max(live, pending.value_or(0)) + 1;
    auto del = conn.prepare("DELETE FROM chunks WHERE document_id = ?1 AND generation <> ?2");
    del.bind(1, p.id).bind(2, live).run();
    auto st = conn.prepare(
        "UPDATE documents SET format = coalesce(format, ?2), pending_generation = ?3, pending_hash = ?4, "
        "pending_chunking = ?5 WHERE id = ?1");
    st.bind(1, p.id).bind(2, format_name(format)).bind(3, p.generation).bind(4, to_db(hash)).bind(5, chunking).run();
  }
  tx.commit();
  return p;
}

void IndexWriter::truncate(const Pending& pending, uint32_t ordinal) {
  auto st = kb_.connection().prepare("DELETE FROM chunks WHERE document_id = ?1 AND generation = ?2 AND ordinal >= ?3");
  st.bind(1, pending.id).bind(2, pending.generation).bind(3, static_cast<int64_t>(ordinal)).run();
}

void IndexWriter::write(const Pending& pending, std::span<const ChunkToStore> chunks,
                        const std::unordered_map<uint64_t, std::vector<uint8_t>>& vectors,
                        std::optional<int64_t> model) {
  Connection& conn = kb_.connection();
  Operation op(conn, "cannot store chunks in the knowledge index");
  Transaction tx(conn);
  for (const auto& c : chunks) {
    auto st = conn.prepare(
        "INSERT INTO chunks (document_id, generation, ordinal, text, heading, embed_hash, token_count, byte_begin, "
        "byte_end, line_begin, line_end, page_begin, page_end) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
        "?12, ?13)");
    const ChunkLocation& l = c.chunk.location;
    st.bind(1, pending.id)
        .bind(2, pending.generation)
        .bind(3, static_cast<int64_t>(c.chunk.ordinal))
        .bind(4, c.chunk.text)
        .bind(5, l.heading)
        .bind(6, to_db(c.embed_hash))
        .bind(7, static_cast<int64_t>(c.chunk.tokens))
        .bind(8, static_cast<int64_t>(l.byte_begin))
        .bind(9, static_cast<int64_t>(l.byte_end))
        .bind(10, static_cast<int64_t>(l.line_begin))
        .bind(11, static_cast<int64_t>(l.line_end))
        .bind(12, static_cast<int64_t>(l.page_begin))
        .bind(13, static_cast<int64_t>(l.page_end))
        .run();
  }
  if (model) {
    for (const auto& [hash, blob] : vectors) {
      auto st = conn.prepare("INSERT OR REPLACE INTO vectors (model_id, embed_hash, data) VALUES (?1, ?2, ?3)");
      st.bind(1, *model).bind(2, to_db(hash)).bind_blob(3, blob).run();
    }
  }
  tx.commit();
}

void IndexWriter::finish(const Pending& pending, const FoundFile& file, uint64_t hash, const std::string& chunking,
                         uint32_t chunk_count) {
  Connection& conn = kb_.connection();
  Operation op(conn, "cannot finish indexing a file");
  Transaction tx(conn);
  auto del = conn.prepare("DELETE FROM chunks WHERE document_id = ?1 AND generation <> ?2");
  del.bind(1, pending.id).bind(2, pending.generation).run();
  auto st = conn.prepare(
      "UPDATE documents SET state = 'indexed', reason = NULL, size = ?2, mtime_ns = ?3, content_hash = ?4, chunking = "
      "?5, generation = ?6, chunk_count = ?7, indexed_at = ?8, pending_generation = NULL, pending_hash = NULL, "
      "pending_chunking = NULL WHERE id = ?1");
  st.bind(1, pending.id)
      .bind(2, static_cast<int64_t>(file.size))
      .bind(3, file.mtime_ns)
      .bind(4, to_db(hash))
      .bind(5, chunking)
      .bind(6, pending.generation)
      .bind(7, static_cast<int64_t>(chunk_count))
      .bind(8, kb_.now_ms())
      .run();
  bump_revision();
  tx.commit();
}

void IndexWriter::abandon(const Pending& pending) {
  Connection& conn = kb_.connection();
  Transaction tx(conn);
  auto del = conn.prepare("DELETE FROM chunks WHERE document_id = ?1 AND generation = ?2");
  del.bind(1, pending.id).bind(2, pending.generation).run();
  auto st = conn.prepare(
      "UPDATE documents SET pending_generation = NULL, pending_hash = NULL, pending_chunking = NULL WHERE id = ?1");
  st.bind(1, pending.id).run();
  tx.commit();
}

std::unordered_set<uint64_t> IndexWriter::vectors_present(int64_t model, std::span<const uint64_t> hashes) {
  std::unordered_set<uint64_t> present;
  auto st = kb_.connection().prepare("SELECT 1 FROM vectors WHERE model_id = ?1 AND embed_hash = ?2");
  for (uint64_t h : hashes) {
    st.bind(1, model).bind(2, to_db(h));
    if (st.step()) present.insert(h);
    st.reset();
  }
  return present;
}

std::vector<IndexWriter::Unembedded> IndexWriter::unembedded(int64_t model, size_t limit) {
  auto st = kb_.connection().prepare(
      "SELECT c.embed_hash, c.heading, c.text FROM documents d JOIN chunks c ON c.document_id = d.id AND c.generation "
      "= d.generation WHERE d.collection_id = ?1 AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model_id = ?2 AND "
      "v.embed_hash = c.embed_hash) GROUP BY c.embed_hash ORDER BY min(c.id) LIMIT ?3");
  st.bind(1, collection_).bind(2, model).bind(3, static_cast<int64_t>(limit));
  std::vector<Unembedded> out;
  while (st.step()) out.push_back({from_db(st.int64(0)), embed_input(st.text(1), st.text(2))});
  return out;
}

void IndexWriter::store_vectors(int64_t model, const std::unordered_map<uint64_t, std::vector<uint8_t>>& vectors) {
  Connection& conn = kb_.connection();
  Operation op(conn, "cannot store vectors in the knowledge index");
  Transaction tx(conn);
  for (const auto& [hash, blob] : vectors) {
    auto st = conn.prepare("INSERT OR REPLACE INTO vectors (model_id, embed_hash, data) VALUES (?1, ?2, ?3)");
    st.bind(1, model).bind(2, to_db(hash)).bind_blob(3, blob).run();
  }
  bump_revision();
  tx.commit();
}

void IndexWriter::collect_garbage() {
  Connection& conn = kb_.connection();
  Operation op(conn, "cannot tidy the knowledge index");
  Transaction tx(conn);
  conn.exec("DELETE FROM vectors WHERE NOT EXISTS (SELECT 1 FROM chunks WHERE chunks.embed_hash = vectors.embed_hash)");
  conn.exec("DELETE FROM models WHERE id NOT IN (SELECT model_id FROM collections WHERE model_id IS NOT NULL)");
  tx.commit();
}

}  // namespace vole::knowledge
