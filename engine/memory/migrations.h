#pragma once
// The conversation database schema and its history. The version lives in PRAGMA
// user_version. A new database is built by running every migration from version 0, so
// fresh and upgraded databases go through the same code and end with the same schema.
// Shipped migrations are history: never edit one, add the next.
//
//   v1  conversations (title, model, times) and a linear list of messages.
//   v2  message tree (parent, active leaf) for edit/regenerate branches; reasoning, status
//       and stats per message; tool role; per-conversation system prompt and sampling
//       overrides; pinned; soft delete.
//   v3  full-text search: FTS5 indexes over message content and conversation titles,
//       kept in sync by triggers (messages still streaming are indexed when they end).
//   v4  message_sources (the numbered passages an answer from a knowledge collection was
//       given) and conversations.knowledge_collection (message_sources.h); message_vectors
//       for search by meaning (message_vectors.h).
//   v5  images attached to messages (content-addressed files beside the database).
//   v6  dictation recordings kept with their message (memory/recordings.h).
#include <span>
#include <string_view>

namespace vole::memory {

namespace sqlite {
class Connection;
}

inline constexpr int kSchemaVersion = 6;

struct Migration {
  int version;               // user_version after it ran
  std::string_view summary;  // one line, for logs and the report
  std::string_view sql;      // the script, run in one transaction
};

// Every migration, oldest first.
std::span<const Migration> migrations();

int schema_version(sqlite::Connection& conn);

// Throws StoreError TooNew when the database was written by a newer Vole.
void require_known_version(sqlite::Connection& conn);

// Brings the schema up to `target` (default: this build's). Each step runs in its own
// transaction together with its user_version bump, so a crash leaves a database at one of
// the versions, never between. Throws StoreError TooNew if the database is newer than
// this build, and Locked/DiskFull/... like any write.
void migrate(sqlite::Connection& conn, int target = kSchemaVersion);

// The same for any Vole database with its own history (the knowledge index): `history` holds
// versions 1..N in order; the error messages name the database by the connection's noun.
void require_known_version(sqlite::Connection& conn, std::span<const Migration> history);
void migrate(sqlite::Connection& conn, std::span<const Migration> history, int target);

}  // namespace vole::memory
