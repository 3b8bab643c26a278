#include "knowledge/schema.h"

namespace vole::knowledge {

namespace {

// Vectors are rows of 0.5-3 KB: a rowid table with a unique (model, hash) index, not a
// WITHOUT ROWID table (which suits rows under ~1/20 of a page).
// Documents: `generation` names the live chunk set (0: none yet); `pending_generation` the set
// an unfinished run is writing, with the file identity it is writing it for, so a run killed
// mid-document continues it. Search sees only chunks whose generation is their document's
// live one, so a half-written set is never visible and an old set stays visible until the new
// one is complete.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  dims INTEGER NOT NULL CHECK (dims > 0),
  encoding TEXT NOT NULL CHECK (encoding IN ('int8', 'f16')),
  UNIQUE (name, dims, encoding)
);
CREATE TABLE collections (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  chunk_tokens INTEGER NOT NULL DEFAULT 400 CHECK (chunk_tokens BETWEEN 16 AND 8192),
  overlap_tokens INTEGER NOT NULL DEFAULT 60 CHECK (overlap_tokens >= 0),
  vector_encoding TEXT NOT NULL DEFAULT 'int8' CHECK (vector_encoding IN ('int8', 'f16')),
  model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
  chunking_epoch INTEGER NOT NULL DEFAULT 1,
  revision INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE folders (
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  PRIMARY KEY (collection_id, path)
) WITHOUT ROWID;
CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'indexed', 'skipped')),
  reason TEXT,
  format TEXT,
  size INTEGER NOT NULL DEFAULT -1,
  mtime_ns INTEGER NOT NULL DEFAULT 0,
  content_hash INTEGER,
  chunking TEXT NOT NULL DEFAULT '',
  generation INTEGER NOT NULL DEFAULT 0,
  chunk_count INTEGER NOT NULL DEFAULT 0,
  indexed_at INTEGER,
  pending_generation INTEGER,
  pending_hash INTEGER,
  pending_chunking TEXT,
  UNIQUE (collection_id, path)
);
CREATE INDEX documents_by_hash ON documents(collection_id, content_hash);
CREATE TABLE chunks (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  ordinal INTEGER NOT NULL,
  text TEXT NOT NULL,
  heading TEXT NOT NULL DEFAULT '',
  embed_hash INTEGER NOT NULL,
  token_count INTEGER NOT NULL,
  byte_begin INTEGER NOT NULL,
  byte_end INTEGER NOT NULL,
  line_begin INTEGER NOT NULL,
  line_end INTEGER NOT NULL,
  page_begin INTEGER NOT NULL DEFAULT 0,
  page_end INTEGER NOT NULL DEFAULT 0,
  UNIQUE (document_id, generation, ordinal)
);
CREATE INDEX chunks_by_embed_hash ON chunks(embed_hash);
CREATE TABLE vectors (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  embed_hash INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (model_id, embed_hash)
);

CREATE VIRTUAL TABLE chunk_fts USING fts5(
  text, heading, content='chunks', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER chunk_fts_insert AFTER INSERT ON chunks BEGIN
  INSERT INTO chunk_fts(rowid, text, heading) VALUES (new.id, new.text, new.heading);
END;
CREATE TRIGGER chunk_fts_delete AFTER DELETE ON chunks BEGIN
  INSERT INTO chunk_fts(chunk_fts, rowid, text, heading) VALUES ('delete', old.id, old.text, old.heading);
END;
CREATE VIRTUAL TABLE chunk_terms USING fts5vocab(chunk_fts, 'row');
)sql";

constexpr memory::Migration kMigrations[] = {
    {1, "collections, documents, chunks, FTS5 index, vectors by model", kV1},
};
static_assert(std::size(kMigrations) == kKnowledgeSchemaVersion, "one migration per schema version");

}  // namespace

std::span<const memory::Migration> knowledge_migrations() { return kMigrations; }

}  // namespace vole::knowledge
