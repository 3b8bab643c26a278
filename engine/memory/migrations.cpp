#include "memory/migrations.h"

#include <string>

#include "memory/sqlite.h"

namespace vole::memory {

namespace {

// v1: what the first release shipped. Frozen (tests/memory/data/schema_v1.sql is its copy).
constexpr std::string_view kV1 = R"sql(
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL DEFAULT '',
  model_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  content TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX conversations_by_update ON conversations(updated_at);
)sql";

// v2: the messages table is rebuilt (SQLite cannot alter a CHECK constraint or add a
// self-reference in place); each v1 message's parent is the one before it in its
// conversation, and the last one becomes the active leaf, so old chats read the same.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE conversations ADD COLUMN system_prompt TEXT;
ALTER TABLE conversations ADD COLUMN sampling_json TEXT
  CHECK (sampling_json IS NULL OR json_valid(sampling_json));
ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
ALTER TABLE conversations ADD COLUMN deleted_at INTEGER;
ALTER TABLE conversations ADD COLUMN active_leaf_id INTEGER REFERENCES messages(id) ON DELETE SET NULL;

CREATE TABLE messages_v2 (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content TEXT NOT NULL DEFAULT '',
  reasoning TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'complete'
    CHECK (status IN ('complete', 'streaming', 'interrupted', 'error', 'cancelled')),
  error TEXT,
  created_at INTEGER NOT NULL,
  stats_json TEXT CHECK (stats_json IS NULL OR json_valid(stats_json))
);
INSERT INTO messages_v2 (id, conversation_id, parent_id, role, content, created_at)
  SELECT id, conversation_id, lag(id) OVER (PARTITION BY conversation_id ORDER BY id), role, content, created_at
  FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX messages_by_parent ON messages(parent_id, conversation_id);
CREATE INDEX conversations_by_active_leaf ON conversations(active_leaf_id);
UPDATE conversations SET active_leaf_id = (SELECT max(id) FROM messages WHERE conversation_id = conversations.id);
)sql";

// v3: external-content FTS5 tables (the text is stored once, in messages/conversations).
// A message is in the index exactly when its status is not 'streaming': a streaming
// answer changes every 250 ms and would churn the index; it becomes searchable when it
// ends (or when recovery marks it interrupted). The update trigger removes the old text
// before adding the new one, in that order, in one trigger.
constexpr std::string_view kV3 = R"sql(
CREATE VIRTUAL TABLE message_fts USING fts5(
  content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE conversation_fts USING fts5(
  title, content='conversations', content_rowid='id', tokenize='unicode61 remove_diacritics 2');

CREATE TRIGGER message_fts_insert AFTER INSERT ON messages WHEN new.status <> 'streaming' BEGIN
  INSERT INTO message_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER message_fts_delete AFTER DELETE ON messages WHEN old.status <> 'streaming' BEGIN
  INSERT INTO message_fts(message_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER message_fts_update AFTER UPDATE OF content, status ON messages BEGIN
  INSERT INTO message_fts(message_fts, rowid, content)
    SELECT 'delete', old.id, old.content WHERE old.status <> 'streaming';
  INSERT INTO message_fts(rowid, content) SELECT new.id, new.content WHERE new.status <> 'streaming';
END;

CREATE TRIGGER conversation_fts_insert AFTER INSERT ON conversations BEGIN
  INSERT INTO conversation_fts(rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER conversation_fts_delete AFTER DELETE ON conversations BEGIN
  INSERT INTO conversation_fts(conversation_fts, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER conversation_fts_update AFTER UPDATE OF title ON conversations BEGIN
  INSERT INTO conversation_fts(conversation_fts, rowid, title) VALUES ('delete', old.id, old.title);
  INSERT INTO conversation_fts(rowid, title) VALUES (new.id, new.title);
END;

INSERT INTO message_fts(rowid, content) SELECT id, content FROM messages WHERE status <> 'streaming';
INSERT INTO conversation_fts(conversation_fts) VALUES ('rebuild');
)sql";

// v4: answers from a knowledge collection keep the sources they were given (the passage
// itself, so "show the passage" works after the file changed or the index was removed), a
// conversation remembers which collection it asks, and messages get embedding vectors for
// search by meaning (f16, per model; dropped when the text changes).
constexpr std::string_view kV4 = R"sql(
ALTER TABLE conversations ADD COLUMN knowledge_collection TEXT;
CREATE TABLE message_sources (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  number INTEGER NOT NULL CHECK (number > 0),
  collection TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL,
  label TEXT NOT NULL,
  snippet TEXT NOT NULL,
  passage TEXT NOT NULL,
  page_begin INTEGER NOT NULL DEFAULT 0,
  page_end INTEGER NOT NULL DEFAULT 0,
  line_begin INTEGER NOT NULL DEFAULT 0,
  line_end INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (message_id, number)
) WITHOUT ROWID;
CREATE TABLE message_vectors (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  vector BLOB NOT NULL
);
CREATE INDEX message_vectors_by_model ON message_vectors(model);
CREATE TRIGGER message_vectors_stale AFTER UPDATE OF content ON messages BEGIN
  DELETE FROM message_vectors WHERE message_id = new.id;
END;
)sql";

// v5: images attached to messages (memory/images.h). The bytes are files named by their
// SHA-256 in the image folder; rows go with their message (cascade), the files with the
// last row that names them (swept when the trash is emptied).
constexpr std::string_view kV5 = R"sql(
CREATE TABLE message_images (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  extension TEXT NOT NULL CHECK (extension IN ('png', 'jpg', 'webp', 'gif', 'bmp')),
  size_bytes INTEGER NOT NULL,
  PRIMARY KEY (message_id, position)
) WITHOUT ROWID;
CREATE INDEX message_images_by_hash ON message_images(sha256);
)sql";

// v6: dictation recordings kept with their message (memory/recordings.h): a WAV file
// named by its SHA-256 in the recordings folder, swept like images' files.
constexpr std::string_view kV6 = R"sql(
CREATE TABLE message_recordings (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  size_bytes INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX message_recordings_by_hash ON message_recordings(sha256);
)sql";

constexpr Migration kMigrations[] = {
    {1, "conversations and linear messages", kV1},
    {2, "message tree, reasoning, status, stats, per-conversation settings, pinned, soft delete", kV2},
    {3, "full-text search over messages and titles (FTS5)", kV3},
    {4, "sources of knowledge answers; a conversation's knowledge collection; message vectors", kV4},
    {5, "images attached to messages (content-addressed files)", kV5},
    {6, "dictation recordings kept with their message (content-addressed files)", kV6},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

void run_step(sqlite::Connection& conn, const Migration& m) {
  sqlite::Transaction tx(conn);
  // Another process may have migrated between our version check and taking the write lock.
  if (schema_version(conn) >= m.version) return;
  conn.exec(std::string(m.sql));
  if (auto check = conn.prepare("PRAGMA foreign_key_check"); check.step())
    fail(ErrorCode::Internal, "schema migration to v" + std::to_string(m.version) +
                                  " left a dangling reference in table " + check.text(0) + " (" + conn.display_path() +
                                  ")");
  conn.exec("PRAGMA user_version = " + std::to_string(m.version));
  tx.commit();
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int schema_version(sqlite::Connection& conn) { return static_cast<int>(conn.query_int64("PRAGMA user_version")); }

void require_known_version(sqlite::Connection& conn, std::span<const Migration> history) {
  int version = schema_version(conn);
  int known = static_cast<int>(history.size());
  if (version > known)
    conn.fail(StoreProblem::TooNew, "cannot open the " + conn.noun(),
              "schema v" + std::to_string(version) + ", this Vole knows up to v" + std::to_string(known));
}

void require_known_version(sqlite::Connection& conn) { require_known_version(conn, kMigrations); }

void migrate(sqlite::Connection& conn, std::span<const Migration> history, int target) {
  std::string what = "cannot upgrade the " + conn.noun();
  sqlite::Operation op(conn, what.c_str());
  require_known_version(conn, history);
  int version = schema_version(conn);
  if (version >= target) return;
  // Table rebuilds need foreign keys off (the pragma is ignored inside a transaction);
  // each step checks them itself before committing.
  struct ForeignKeysOff {
    sqlite::Connection& conn;
    bool was_on = conn.query_int64("PRAGMA foreign_keys") != 0;
    explicit ForeignKeysOff(sqlite::Connection& c) : conn(c) { conn.exec("PRAGMA foreign_keys = OFF"); }
    ~ForeignKeysOff() {
      if (was_on) sqlite3_exec(conn.handle(), "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
    }
  } fk_off(conn);
  for (const auto& m : history)
    if (m.version > version && m.version <= target) run_step(conn, m);
}

void migrate(sqlite::Connection& conn, int target) { migrate(conn, kMigrations, target); }

}  // namespace vole::memory
