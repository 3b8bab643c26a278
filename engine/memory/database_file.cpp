#include "memory/database_file.h"

namespace vole::memory {

namespace fs = std::filesystem;

void ensure_database_directory(const fs::path& db_path, bool create, const std::string& noun) {
  fs::path dir = db_path.parent_path();
  if (dir.empty()) return;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  std::string reason = "it does not exist";
  if (create) {
    fs::create_directories(dir, ec);
    if (!ec) return;
    reason = "it cannot be created: " + ec.message();
  }
  throw StoreError(StoreProblem::NoDirectory,
                   "cannot open the " + noun + ": the folder " + dir.string() + " is not usable (" + reason + ")");
}

void configure_connection(sqlite::Connection& conn, std::chrono::milliseconds busy_timeout) {
  sqlite3_busy_timeout(conn.handle(), static_cast<int>(busy_timeout.count()));
  conn.exec("PRAGMA foreign_keys = ON");
  // Overwrite deleted text with zeros (Debian builds default to this; other builds may not).
  conn.exec("PRAGMA secure_delete = ON");
}

void enter_wal_mode(sqlite::Connection& conn) {
  std::string mode = conn.query_text("PRAGMA journal_mode = WAL");
  if (mode != "wal")
    conn.fail(StoreProblem::Io, "cannot open the " + conn.noun(), "cannot use WAL journal (got " + mode + ")");
  conn.exec("PRAGMA synchronous = NORMAL");
  conn.exec("PRAGMA journal_size_limit = 4194304");
}

void verify_database(sqlite::Connection& conn) {
  auto st = conn.prepare("PRAGMA quick_check(1)");
  std::string result = st.step() ? st.text(0) : "no result";
  if (result != "ok") conn.fail(StoreProblem::Corrupt, "cannot open the " + conn.noun(), result);
}

}  // namespace vole::memory
