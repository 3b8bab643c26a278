#pragma once
// Shared helpers for the conversation store tests: a store in a fresh temp folder with a
// deterministic clock, direct SQLite access to inspect what is really on disk, and a way
// to run code as an unprivileged user (root ignores file permissions).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "memory/sqlite.h"
#include "memory/store.h"
#include "support/temp_dir.h"

namespace vole::memory::memtest {

// A clock that advances one second per reading, from 2023-11-14, so every timestamp is
// distinct and ordering tests are deterministic.
std::function<int64_t()> stepping_clock(int64_t start_ms = 1'700'000'000'000, int64_t step_ms = 1000);

class StoreTest : public ::testing::Test {
 protected:
  vole::test::TempDir dir{"vole-memory"};
  std::filesystem::path db_path() const { return dir / "vole.db"; }
  OpenOptions options() const;  // db_path(), stepping clock
  Store open() const { return Store::open(options()); }
};

// A plain connection to a database file, for inspecting or preparing it behind the store's back.
std::unique_ptr<sqlite::Connection> raw_connection(const std::filesystem::path& path, bool read_only = false);

// Every schema object (type, name, table, SQL) in a stable order, plus user_version.
std::vector<std::string> schema_of(sqlite::Connection& conn);

std::string file_bytes(const std::filesystem::path& path);

// Runs `body` in a forked child, as user "nobody" when we are root. The child's return
// value is its exit status; what it writes to `message` comes back too.
struct ChildResult {
  int exit_code = -1;
  std::string message;
};
ChildResult run_unprivileged(const std::function<int(std::string& message)>& body);
bool running_as_root();

// Makes a path readable (and the folders traversable) by the unprivileged user.
void open_permissions_to_all(const std::filesystem::path& dir);

}  // namespace vole::memory::memtest
