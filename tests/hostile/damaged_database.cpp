#include "hostile/damaged_database.h"

#include <sqlite3.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "memory/store.h"

namespace vole::test {

namespace fs = std::filesystem;

void write_conversation_database(const fs::path& path, int conversations) {
  {
    auto store = memory::Store::open({.path = path});
    for (int c = 0; c < conversations; ++c) {
      auto conv = store.create_conversation({.title = "apricot jam " + std::to_string(c)});
      store.append_message(conv.id, {.content = "How do I make apricot jam, batch " + std::to_string(c) + "?"});
      store.append_message(conv.id, {.role = memory::Role::Assistant,
                                     .content = "Simmer the apricot halves with sugar. " + std::string(600, 'x')});
    }
  }  // the last connection closing checkpoints the WAL into the file
  if (fs::exists(path.string() + "-wal") && fs::file_size(path.string() + "-wal") > 0)
    throw std::runtime_error("the WAL of " + path.string() + " was not checkpointed");
}

int damage_root_page(const fs::path& path, const std::string& table) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path.string());
  }
  auto integer = [&](const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  };
  const int64_t page_size = integer("PRAGMA page_size");
  const int64_t root = integer("SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = '" + table + "'");
  sqlite3_close(db);
  if (page_size <= 0 || root <= 1) throw std::runtime_error("no table " + table + " in " + path.string());

  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::vector<char> garbage(static_cast<size_t>(page_size));
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(0xA5 ^ (i * 37));
  f.seekp((root - 1) * page_size);
  f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  if (!f.flush()) throw std::runtime_error("cannot damage " + path.string());
  return static_cast<int>(root);
}

}  // namespace vole::test
