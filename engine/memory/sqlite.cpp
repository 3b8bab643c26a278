#include "memory/sqlite.h"

#include <cerrno>
#include <optional>

namespace vole::memory::sqlite {

namespace {

std::optional<StoreProblem> classify_storage(int rc, int err) {
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return StoreProblem::Corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return StoreProblem::Locked;
    case SQLITE_FULL: return StoreProblem::DiskFull;
    case SQLITE_READONLY:
    case SQLITE_PERM: return StoreProblem::ReadOnly;
    case SQLITE_CANTOPEN:
      if (err == ENOENT || err == ENOTDIR) return StoreProblem::NoDirectory;
      if (err == EACCES || err == EPERM || err == EROFS) return StoreProblem::ReadOnly;
      return StoreProblem::Io;
    case SQLITE_IOERR:
      if (err == ENOSPC || err == EDQUOT) return StoreProblem::DiskFull;
      if (err == EROFS || err == EACCES || err == EPERM) return StoreProblem::ReadOnly;
      return StoreProblem::Io;
    default: return std::nullopt;  // SQL errors, constraint violations, misuse: our bugs
  }
}

std::string advice(StoreProblem problem, const std::string& noun) {
  switch (problem) {
    case StoreProblem::Corrupt:
      return "the " + noun +
             " is damaged; Vole has left the file untouched (open it read-only to read what survives, or move it "
             "aside and start a new one)";
    case StoreProblem::Locked: return "the " + noun + " is in use by another program (another Vole?); close it and try again";
    case StoreProblem::DiskFull: return "the disk is full; free some space and try again (nothing saved was lost)";
    case StoreProblem::ReadOnly:
      return "the " + noun + " cannot be written; check the permissions of the file and its folder, or open it read-only";
    case StoreProblem::NoDirectory: return "the folder for the " + noun + " does not exist";
    case StoreProblem::TooNew: return "the " + noun + " was written by a newer Vole; update Vole";
    case StoreProblem::Io: return "the operating system could not read or write the " + noun;
  }
  return "";
}

}  // namespace

StoreProblem classify(int rc, int err) { return classify_storage(rc, err).value_or(StoreProblem::Io); }

// ---- Statement ----

Statement::Statement(Connection& conn, sqlite3_stmt* stmt, bool owned) : conn_(&conn), stmt_(stmt), owned_(owned) {}

Statement::Statement(Statement&& other) noexcept : conn_(other.conn_), stmt_(other.stmt_), owned_(other.owned_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (!stmt_) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::bind(int index, int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) conn_->fail(rc, "cannot bind a parameter");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) conn_->fail(rc, "cannot bind a parameter");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) conn_->fail(rc, "cannot bind a parameter");
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const uint8_t> bytes) {
  // A zero-length blob must still be a blob, not NULL: sqlite3_bind_blob64 with a null pointer binds NULL.
  static const uint8_t empty = 0;
  const void* data = bytes.empty() ? &empty : bytes.data();
  if (int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT); rc != SQLITE_OK)
    conn_->fail(rc, "cannot bind a parameter");
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) conn_->fail(rc, "cannot bind a parameter");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  conn_->fail(rc, "database query failed");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::run() {
  while (step()) {
  }
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

std::optional<int64_t> Statement::optional_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::optional<std::string> Statement::optional_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

std::span<const uint8_t> Statement::blob(int col) const {
  auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  return p ? std::span<const uint8_t>(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::span<const uint8_t>();
}

// ---- Connection ----

Connection::Connection(const std::string& filename, int flags, std::string display_path, std::string noun)
    : display_path_(std::move(display_path)), noun_(std::move(noun)) {
  int rc = sqlite3_open_v2(filename.c_str(), &db_, flags | SQLITE_OPEN_EXRESCODE, nullptr);
  if (rc != SQLITE_OK) {
    int err = db_ ? sqlite3_system_errno(db_) : 0;
    std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    fail(classify(rc, err), "cannot open the " + noun_, detail);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

void Connection::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg still holds the same text for fail()
  if (rc != SQLITE_OK) fail(rc, "database statement failed");
}

Statement Connection::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  // A cached statement that is mid-iteration (nested use) cannot be shared: prepare a one-off.
  if (it != cache_.end() && !sqlite3_stmt_busy(it->second)) return Statement(*this, it->second, false);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc, "cannot prepare a database query");
  if (it != cache_.end()) return Statement(*this, stmt, true);
  cache_.emplace(std::move(key), stmt);
  return Statement(*this, stmt, false);
}

int64_t Connection::query_int64(std::string_view sql) {
  auto st = prepare(sql);
  return st.step() ? st.int64(0) : 0;
}

std::string Connection::query_text(std::string_view sql) {
  auto st = prepare(sql);
  return st.step() ? st.text(0) : std::string();
}

int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int64_t Connection::changes() const { return sqlite3_changes64(db_); }

void Connection::fail(int rc, std::string_view what) const {
  if (operation_) what = operation_;
  std::string detail = sqlite3_errmsg(db_);
  if (detail == "not an error") detail = sqlite3_errstr(rc);
  auto problem = classify_storage(rc, sqlite3_system_errno(db_));
  if (!problem)
    vole::fail(ErrorCode::Internal, std::string(what) + " (" + display_path_ + ": SQLite: " + detail + ")");
  fail(*problem, what, detail);
}

void Connection::fail(StoreProblem problem, std::string_view what, std::string_view detail) const {
  throw StoreError(problem, std::string(what) + ": " + advice(problem, noun_) + " (" + display_path_ + ": " +
                                std::string(detail) + ")");
}

// ---- Transaction ----

Transaction::Transaction(Connection& conn) : conn_(conn) { conn_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  // SQLite may already have rolled back on its own (disk full, I/O error); only roll back if still open.
  if (open_ && !sqlite3_get_autocommit(conn_.handle())) sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  conn_.exec("COMMIT");
  open_ = false;
}

}  // namespace vole::memory::sqlite
