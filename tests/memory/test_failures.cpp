// A database that cannot be used: corrupt, locked, read-only, full, or without a folder.
// Each must give a StoreError of the right kind with a message naming the file, leave the
// file exactly as it was, and leave a way out (read-only snapshot, in-memory store,
// moving the file aside). Writes that fail keep what is in memory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "memory/memory_test.h"
#include "memory/stream_writer.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::StoreTest;
using namespace std::chrono_literals;

namespace {

StoreError open_error(const OpenOptions& o) {
  try {
    Store::open(o);
  } catch (const StoreError& e) {
    return e;
  }
  ADD_FAILURE() << "expected Store::open(" << o.path << ") to fail";
  return StoreError(StoreProblem::Io, "");
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

void expect_mentions(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << "\"" << message << "\" should mention \"" << part << "\"";
}

// A database with one conversation of three messages, closed.
void make_database(const OpenOptions& o) {
  auto store = Store::open(o);
  auto c = store.create_conversation({.title = "precious"});
  store.append_message(c.id, {.content = "first"});
  store.append_message(c.id, {.role = Role::Assistant, .content = std::string(20000, 'a')});
  store.append_message(c.id, {.content = "third"});
}

}  // namespace

TEST_F(StoreTest, NotADatabaseIsReportedAndNeverTouched) {
  std::string garbage;
  for (int i = 0; i < 500; ++i) garbage += "this is a shopping list, not a database\n";
  write_file(db_path(), garbage);

  auto e = open_error(options());
  EXPECT_EQ(e.problem(), StoreProblem::Corrupt);
  EXPECT_EQ(e.code(), ErrorCode::InvalidFile);
  expect_mentions(e.what(), db_path().string());
  expect_mentions(e.what(), "damaged");
  EXPECT_EQ(memtest::file_bytes(db_path()), garbage);
  EXPECT_FALSE(std::filesystem::exists(db_path().string() + "-wal"));

  // Read-only cannot help with garbage either, and still does not touch it.
  auto o = options();
  o.mode = AccessMode::ReadOnly;
  EXPECT_EQ(open_error(o).problem(), StoreProblem::Corrupt);
  EXPECT_EQ(memtest::file_bytes(db_path()), garbage);

  // Starting fresh moves the file aside; nothing is deleted.
  auto moved = Store::move_aside(db_path());
  EXPECT_NE(moved.filename().string().find("vole.db.moved-"), std::string::npos) << moved;
  EXPECT_EQ(memtest::file_bytes(moved), garbage);
  EXPECT_FALSE(std::filesystem::exists(db_path()));
  auto store = open();
  EXPECT_TRUE(store.list_conversations().empty());
  store.create_conversation({.title = "new start"});
  // A second move in the same second gets its own name.
  store = Store::open_in_memory();
  auto moved_again = Store::move_aside(db_path());
  EXPECT_NE(moved_again, moved);
  EXPECT_EQ(memtest::file_bytes(moved), garbage);
}

TEST_F(StoreTest, DamagedPagesAreFoundAtOpen) {
  make_database(options());
  auto bytes = memtest::file_bytes(db_path());
  ASSERT_GE(bytes.size(), 8u * 4096);
  // Overwrite the middle of the file (b-tree pages) with a pattern.
  for (size_t i = 2 * 4096; i < bytes.size() - 4096; ++i) bytes[i] = static_cast<char>(0x5A ^ (i * 31));
  write_file(db_path(), bytes);

  auto e = open_error(options());
  EXPECT_EQ(e.problem(), StoreProblem::Corrupt) << e.what();
  expect_mentions(e.what(), db_path().string());
  EXPECT_EQ(memtest::file_bytes(db_path()), bytes);

  // A read-only snapshot may or may not read around the damage, but never crashes and
  // only ever reports it as corruption.
  auto o = options();
  o.mode = AccessMode::ReadOnly;
  try {
    auto snapshot = Store::open(o);
    for (const auto& c : snapshot.list_conversations()) snapshot.active_path(c.id);
  } catch (const StoreError& err) {
    EXPECT_EQ(err.problem(), StoreProblem::Corrupt) << err.what();
  }
  EXPECT_EQ(memtest::file_bytes(db_path()), bytes);
}

TEST_F(StoreTest, TruncatedFileIsCorrupt) {
  make_database(options());
  auto bytes = memtest::file_bytes(db_path());
  std::filesystem::resize_file(db_path(), bytes.size() / 2);
  EXPECT_EQ(open_error(options()).problem(), StoreProblem::Corrupt);
  EXPECT_EQ(std::filesystem::file_size(db_path()), bytes.size() / 2);
}

TEST_F(StoreTest, MoveAsideTakesTheWalAlong) {
  {
    // Leave committed data only in the WAL, as after a crash.
    auto conn = memtest::raw_connection(db_path());
    conn->exec("PRAGMA journal_mode = WAL; CREATE TABLE t(x); INSERT INTO t VALUES ('only in the wal')");
    sqlite3_db_config(conn->handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  }
  ASSERT_TRUE(std::filesystem::exists(db_path().string() + "-wal"));
  auto moved = Store::move_aside(db_path());
  EXPECT_FALSE(std::filesystem::exists(db_path().string() + "-wal"));
  EXPECT_TRUE(std::filesystem::exists(moved.string() + "-wal"));
  auto conn = memtest::raw_connection(moved);
  EXPECT_EQ(conn->query_text("SELECT x FROM t"), "only in the wal");
  EXPECT_THROW(Store::move_aside(dir / "missing.db"), Error);
}

TEST_F(StoreTest, LockedDatabaseAtOpen) {
  make_database(options());
  auto other = memtest::raw_connection(db_path());
  other->exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;");  // holds the file from now on
  auto o = options();
  o.busy_timeout = 100ms;
  auto start = std::chrono::steady_clock::now();
  auto e = open_error(o);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);  // bounded by the busy timeout
  EXPECT_EQ(e.problem(), StoreProblem::Locked) << e.what();
  expect_mentions(e.what(), "another program");
  expect_mentions(e.what(), db_path().string());

  other.reset();  // the other program quits
  auto store = Store::open(o);
  EXPECT_EQ(store.list_conversations().size(), 1u);
}

TEST_F(StoreTest, LockedDatabaseWhileWriting) {
  auto o = options();
  o.busy_timeout = 100ms;
  auto store = Store::open(o);
  auto c = store.create_conversation();
  auto a = store.begin_assistant(c.id);
  auto t = std::make_shared<std::chrono::steady_clock::time_point>();
  StreamWriter w(store, a.id, {.flush_interval = 250ms, .clock = [t] { return *t; }});

  auto other = memtest::raw_connection(db_path());
  other->exec("BEGIN IMMEDIATE");  // another writer holds the write lock
  try {
    store.rename(c.id, "x");
    FAIL() << "expected Locked";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.problem(), StoreProblem::Locked);
    expect_mentions(e.what(), "cannot rename the conversation");
  }
  *t += 300ms;
  w.append_content("kept in memory");
  ASSERT_TRUE(w.last_error());
  EXPECT_EQ(w.last_error()->problem(), StoreProblem::Locked);
  EXPECT_EQ(w.pending_bytes(), 14u);
  EXPECT_EQ(w.content(), "kept in memory");

  other->exec("COMMIT");
  *t += 300ms;
  w.append_content("!");  // the retry saves everything
  EXPECT_FALSE(w.last_error());
  EXPECT_EQ(w.pending_bytes(), 0u);
  EXPECT_EQ(store.message(a.id)->content, "kept in memory!");
  w.finish();
}

TEST_F(StoreTest, DiskFullKeepsWhatWasSaved) {
  auto store = open();
  auto c = store.create_conversation({.title = "big"});
  store.append_message(c.id, {.content = "saved before the disk filled"});
  int64_t pages = store.lock().conn.query_int64("PRAGMA page_count");
  store.set_max_size((pages + 16) * 4096);  // 64 KiB of room left

  int saved = 0;
  try {
    for (; saved < 1000; ++saved) store.append_message(c.id, {.content = std::string(8000, 'f')});
    FAIL() << "expected the size limit to be hit";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.problem(), StoreProblem::DiskFull);
    EXPECT_EQ(e.code(), ErrorCode::Io);
    expect_mentions(e.what(), "cannot save the message");
    expect_mentions(e.what(), "disk is full");
  }
  EXPECT_GT(saved, 0);
  auto path = store.active_path(c.id);
  ASSERT_EQ(path.size(), static_cast<size_t>(saved + 1));  // everything before the failure, nothing torn
  EXPECT_EQ(path[0].content, "saved before the disk filled");
  EXPECT_EQ(store.integrity_check(), "ok");

  // Reading still works, and the trash can be emptied to make room.
  EXPECT_EQ(store.list_conversations().size(), 1u);
  auto old = store.create_conversation({.title = "old"});  // fits: a conversation row is small
  store.soft_delete(old.id);
  EXPECT_EQ(store.purge_deleted(), 1);
  store.set_max_size(std::nullopt);  // the user freed space
  store.append_message(c.id, {.content = "after freeing space"});
  EXPECT_EQ(store.active_path(c.id).back().content, "after freeing space");
}

TEST_F(StoreTest, StreamWriterSurvivesADiskFullAndRetries) {
  auto store = open();
  auto c = store.create_conversation();
  store.append_message(c.id, {.content = "write a long story"});
  auto a = store.begin_assistant(c.id);
  auto t = std::make_shared<std::chrono::steady_clock::time_point>();
  StreamWriter w(store, a.id, {.clock = [t] { return *t; }});
  *t += 300ms;
  w.append_content("Once upon a time. ");
  EXPECT_EQ(w.pending_bytes(), 0u);

  store.set_max_size(0);  // no room beyond the pages in use
  std::string chapter(50000, 'z');
  for (int i = 0; i < 4; ++i) {
    *t += 300ms;
    EXPECT_NO_THROW(w.append_content(chapter));  // generation goes on
    ASSERT_TRUE(w.last_error());
    EXPECT_EQ(w.last_error()->problem(), StoreProblem::DiskFull);
  }
  EXPECT_EQ(w.pending_bytes(), 4 * chapter.size());
  EXPECT_EQ(store.message(a.id)->content, "Once upon a time. ");  // the saved part is intact
  EXPECT_THROW(w.flush(), StoreError);
  EXPECT_THROW(w.finish(), StoreError);  // still unfinished: finish can be retried
  EXPECT_FALSE(w.finished());

  store.set_max_size(std::nullopt);
  w.finish(MessageStatus::Complete);
  auto m = store.message(a.id);
  EXPECT_EQ(m->content, "Once upon a time. " + chapter + chapter + chapter + chapter);
  EXPECT_EQ(m->status, MessageStatus::Complete);
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, NoRoomToCreateTheSchema) {
  auto o = options();
  o.max_size_bytes = 2 * 4096;
  auto e = open_error(o);
  EXPECT_EQ(e.problem(), StoreProblem::DiskFull) << e.what();
  o.max_size_bytes.reset();
  auto store = Store::open(o);  // whatever committed before is a consistent older version
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, MissingFolder) {
  write_file(dir / "a-file", "x");
  auto o = options();
  o.path = dir / "a-file" / "sub" / "vole.db";  // cannot create a folder inside a file
  auto e = open_error(o);
  EXPECT_EQ(e.problem(), StoreProblem::NoDirectory);
  EXPECT_EQ(e.code(), ErrorCode::NotFound);
  expect_mentions(e.what(), (dir / "a-file" / "sub").string());

  o.path = dir / "not-yet" / "vole.db";
  o.create_directories = false;
  EXPECT_EQ(open_error(o).problem(), StoreProblem::NoDirectory);
  EXPECT_FALSE(std::filesystem::exists(dir / "not-yet"));
  o.create_directories = true;
  EXPECT_NO_THROW(Store::open(o));
}

TEST_F(StoreTest, ReadOnlySnapshotReadsButNeverWrites) {
  make_database(options());
  auto before = memtest::file_bytes(db_path());
  auto o = options();
  o.mode = AccessMode::ReadOnly;
  auto store = Store::open(o);
  EXPECT_TRUE(store.read_only());
  auto list = store.list_conversations();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(store.active_path(list[0].id).size(), 3u);
  try {
    store.rename(list[0].id, "changed");
    FAIL() << "expected ReadOnly";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.problem(), StoreProblem::ReadOnly);
    expect_mentions(e.what(), "read-only");
  }
  EXPECT_THROW(store.append_message(list[0].id, {.content = "x"}), StoreError);
  EXPECT_EQ(memtest::file_bytes(db_path()), before);
}

TEST_F(StoreTest, ReadOnlyFileAndFolder) {
  make_database(options());
  memtest::open_permissions_to_all(dir.path());
  // The folder stays root's (or ours), the file becomes read-only.
  ::chmod(db_path().c_str(), 0444);
  std::string path = db_path().string();
  if (!memtest::running_as_root() && ::access(path.c_str(), W_OK) == 0) GTEST_SKIP() << "cannot make the file read-only";
  // As an unprivileged user (root would write anyway): read-write open fails clearly...
  auto rw = memtest::run_unprivileged([&](std::string& message) {
    try {
      OpenOptions o;
      o.path = path;
      Store::open(o);
      message = "opened read-write";
      return 1;
    } catch (const StoreError& e) {
      message = e.what();
      return e.problem() == StoreProblem::ReadOnly ? 0 : 2;
    }
  });
  EXPECT_EQ(rw.exit_code, 0) << rw.message;
  expect_mentions(rw.message, "cannot be written");
  expect_mentions(rw.message, path);

  // ...and the read-only fallback shows the conversations.
  auto ro = memtest::run_unprivileged([&](std::string& message) {
    OpenOptions o;
    o.path = path;
    o.mode = AccessMode::ReadOnly;
    auto store = Store::open(o);
    auto list = store.list_conversations();
    if (list.size() != 1) return 3;
    auto messages = store.active_path(list[0].id);
    message = std::to_string(messages.size()) + " messages, last: " + messages.back().content;
    return 0;
  });
  EXPECT_EQ(ro.exit_code, 0) << ro.message;
  EXPECT_EQ(ro.message, "3 messages, last: third");
}

TEST_F(StoreTest, ReadOnlyFolderWithChangesStillInTheWal) {
  {
    // A Vole that died with its last commits only in the WAL (not checkpointed).
    auto store = open();
    auto c = store.create_conversation({.title = "in the main file"});
    store.lock().conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    store.append_message(c.id, {.content = "only in the WAL"});
    sqlite3_db_config(store.lock().conn.handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  }
  ASSERT_GT(std::filesystem::file_size(db_path().string() + "-wal"), 0u);
  std::filesystem::remove(db_path().string() + "-shm");
  auto wal_before = memtest::file_bytes(db_path().string() + "-wal");
  // Nobody may write the folder: SQLite cannot create the WAL index next to the file.
  ::chmod(dir.path().c_str(), 0555);
  std::string path = db_path().string();
  auto ro = memtest::run_unprivileged([&](std::string& message) {
    OpenOptions o;
    o.path = path;
    o.mode = AccessMode::ReadOnly;
    auto store = Store::open(o);
    auto list = store.list_conversations();
    if (list.size() != 1) return 3;
    auto messages = store.active_path(list[0].id);
    message = messages.empty() ? "no messages" : messages.back().content;
    return 0;
  });
  ::chmod(dir.path().c_str(), 0755);
  EXPECT_EQ(ro.exit_code, 0) << ro.message;
  EXPECT_EQ(ro.message, "only in the WAL");
  EXPECT_EQ(memtest::file_bytes(db_path().string() + "-wal"), wal_before);  // untouched
}
