#pragma once
// Opening a Vole database file (conversations, knowledge index): the folder, the pragmas every
// connection needs, the WAL journal and a quick integrity check. Errors are StoreErrors that
// name the database by the connection's noun ("knowledge index").
#include <chrono>
#include <filesystem>

#include "memory/sqlite.h"

namespace vole::memory {

// Makes sure the folder of `db_path` exists (creating it when `create`); NoDirectory otherwise.
void ensure_database_directory(const std::filesystem::path& db_path, bool create, const std::string& noun);

// Pragmas for every connection to a database file: busy timeout, foreign keys, secure delete.
void configure_connection(sqlite::Connection& conn, std::chrono::milliseconds busy_timeout);

// WAL journal with synchronous=NORMAL: a killed process loses nothing committed; a power cut
// can lose the last commits, never the file. The WAL is trimmed to 4 MiB after checkpoints.
void enter_wal_mode(sqlite::Connection& conn);

// PRAGMA quick_check(1); Corrupt if the file is damaged.
void verify_database(sqlite::Connection& conn);

}  // namespace vole::memory
