#pragma once
// A thin RAII layer over the SQLite C API for engine/memory: a connection with cached
// prepared statements, typed binding and reading, and transactions that roll back unless
// committed. Every SQLite failure becomes a StoreError whose message says what to do.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "memory/store_error.h"

namespace vole::memory::sqlite {

class Connection;

// Maps an SQLite result code (plus the OS errno behind it) to a problem category.
StoreProblem classify(int result_code, int system_errno);

// A prepared statement in use. Borrowed from the connection's cache (reset and unbound
// when this goes out of scope) or owned when the cached one is already running.
class Statement {
 public:
  Statement(Connection& conn, sqlite3_stmt* stmt, bool owned);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  // Parameters are 1-based, as in SQL (?1, ?2...).
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, std::nullopt_t);
  Statement& bind_blob(int index, std::span<const uint8_t> bytes);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }

  bool step();  // true while a row is available; throws StoreError on failure
  void run();   // steps to completion, ignoring rows
  void reset();  // ready to bind and run again

  // Columns are 0-based.
  bool is_null(int col) const;
  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::optional<int64_t> optional_int64(int col) const;
  std::optional<std::string> optional_text(int col) const;
  std::span<const uint8_t> blob(int col) const;  // valid until the next step/reset

 private:
  Connection* conn_;
  sqlite3_stmt* stmt_;
  bool owned_;
};

class Connection {
 public:
  // `filename` as sqlite3_open_v2 takes it (a path, ":memory:" or a file: URI with SQLITE_OPEN_URI).
  // `display_path` names the database file in error messages; `noun` says what it is to the
  // user ("conversation database", "knowledge index").
  Connection(const std::string& filename, int flags, std::string display_path,
             std::string noun = "conversation database");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& display_path() const { return display_path_; }
  const std::string& noun() const { return noun_; }

  void exec(const std::string& sql);                    // statements without results
  Statement prepare(std::string_view sql);              // cached by SQL text
  int64_t query_int64(std::string_view sql);            // first column of the first row
  std::string query_text(std::string_view sql);
  int64_t last_insert_rowid() const;
  int64_t changes() const;

  // Throws a StoreError for result code `rc` from an operation described by `what`
  // ("cannot save the message"), with advice for the user and SQLite's own words.
  [[noreturn]] void fail(int rc, std::string_view what) const;
  [[noreturn]] void fail(StoreProblem problem, std::string_view what, std::string_view detail) const;

 private:
  friend class Operation;
  sqlite3* db_ = nullptr;
  const char* operation_ = nullptr;  // what the user was doing, for error messages
  std::string display_path_;
  std::string noun_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Names what the user is doing ("cannot save the message") for every error raised on the
// connection while this is alive, instead of the low-level description of the failing call.
class Operation {
 public:
  Operation(Connection& conn, const char* what) : conn_(conn), previous_(conn.operation_) { conn.operation_ = what; }
  ~Operation() { conn_.operation_ = previous_; }
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

 private:
  Connection& conn_;
  const char* previous_;
};

// BEGIN IMMEDIATE .. COMMIT: takes the write lock up front, so waiting for another writer
// happens here (bounded by the busy timeout), never halfway through our changes.
class Transaction {
 public:
  explicit Transaction(Connection& conn);
  ~Transaction();  // rolls back unless committed
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& conn_;
  bool open_ = true;
};

}  // namespace vole::memory::sqlite
