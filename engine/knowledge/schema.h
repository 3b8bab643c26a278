#pragma once
// The knowledge index schema and its history (PRAGMA user_version), run like the conversation
// database's: every migration in one transaction with its version bump, a fresh database goes
// through the same steps. Shipped migrations are history: never edit one, add the next.
//
//   v1  collections (settings, chunking epoch, revision), folders, documents (file identity,
//       state, live and pending chunk generations), chunks (text, location, embed hash),
//       an external-content FTS5 index over chunk text and headings kept by triggers,
//       embedding models and vectors keyed by (model, embed hash), shared by identical chunks.
#include <span>

#include "memory/migrations.h"

namespace vole::knowledge {

inline constexpr int kKnowledgeSchemaVersion = 1;

std::span<const memory::Migration> knowledge_migrations();

}  // namespace vole::knowledge
