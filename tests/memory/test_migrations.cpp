// Schema migrations: databases made by earlier versions (v1 from the frozen DDL in
// data/schema_v1.sql, v2 by migrating that) are opened by the current code; their data
// must survive and their schema must end up exactly like a fresh database's.
#include "memory/migrations.h"
#include "memory/memory_test.h"
#include "memory/search.h"
#include "util/file.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::StoreTest;

namespace {

void make_v1_database(const std::filesystem::path& path) {
  auto conn = memtest::raw_connection(path);
  conn->exec(read_text_file(vole::test::source_dir() / "tests/memory/data/schema_v1.sql"));
  // Two conversations as v1 stored them: linear messages, ordered by id.
  conn->exec(R"sql(
    INSERT INTO conversations (id, title, model_id, created_at, updated_at) VALUES
      (1, 'Old chat about Lisbon', 'qwen3-0.6b', 1600000000000, 1600000300000),
      (2, 'Ünïcödé', '', 1600000400000, 1600000500000);
    INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES
      (1, 1, 'system', 'You are helpful.', 1600000000000),
      (2, 1, 'user', 'What to see in Lisbon?', 1600000100000),
      (3, 2, 'user', 'Grüße — 你好', 1600000400000),
      (4, 1, 'assistant', 'The Alfama district and the tram 28.', 1600000200000),
      (5, 1, 'user', 'Thanks!', 1600000300000),
      (6, 2, 'assistant', 'Hallo!', 1600000500000);
  )sql");
}

std::vector<std::string> fresh_schema(const std::filesystem::path& dir) {
  OpenOptions o;
  o.path = dir / "fresh.db";
  { Store::open(o); }
  return memtest::schema_of(*memtest::raw_connection(o.path, true));
}

std::vector<std::string> contents(const std::vector<Message>& path) {
  std::vector<std::string> out;
  for (const auto& m : path) out.push_back(m.content);
  return out;
}

}  // namespace

TEST(Migrations, OneStepPerVersionInOrder) {
  ASSERT_EQ(migrations().size(), static_cast<size_t>(kSchemaVersion));
  for (size_t i = 0; i < migrations().size(); ++i) {
    EXPECT_EQ(migrations()[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(migrations()[i].summary.empty());
  }
}

TEST(Migrations, V1MigrationIsTheShippedSchema) {
  // The library's v1 step and the frozen fixture must build the same database.
  vole::test::TempDir dir;
  auto a = memtest::raw_connection(dir / "lib.db");
  migrate(*a, 1);
  make_v1_database(dir / "fixture.db");
  auto b = memtest::raw_connection(dir / "fixture.db");
  EXPECT_EQ(memtest::schema_of(*a), memtest::schema_of(*b));
}

TEST_F(StoreTest, UpgradesAV1Database) {
  make_v1_database(db_path());
  auto store = open();

  // Schema: identical to a database created by this build.
  {
    auto l = store.lock();
    EXPECT_EQ(memtest::schema_of(l.conn), fresh_schema(dir.path()));
  }

  // A backup of the v1 file was taken first, and it is still v1 with all its data.
  ASSERT_TRUE(store.upgrade_backup());
  EXPECT_NE(store.upgrade_backup()->filename().string().find("vole.db.v1-backup-"), std::string::npos);
  {
    auto backup = memtest::raw_connection(*store.upgrade_backup(), true);
    EXPECT_EQ(backup->query_int64("PRAGMA user_version"), 1);
    EXPECT_EQ(backup->query_int64("SELECT count(*) FROM messages"), 6);
  }

  // Data: every conversation and message, linked in their old order.
  auto list = store.list_conversations();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].title, "Ünïcödé");
  EXPECT_EQ(list[1].title, "Old chat about Lisbon");
  EXPECT_EQ(list[1].model_id, "qwen3-0.6b");
  EXPECT_EQ(list[1].created_at_ms, 1600000000000);
  EXPECT_EQ(list[1].updated_at_ms, 1600000300000);
  EXPECT_EQ(list[1].active_leaf_id, 5);
  EXPECT_FALSE(list[1].pinned);
  EXPECT_FALSE(list[1].deleted_at_ms);
  EXPECT_FALSE(list[1].system_prompt);

  auto path = store.active_path(1);
  EXPECT_EQ(contents(path), (std::vector<std::string>{"You are helpful.", "What to see in Lisbon?",
                                                       "The Alfama district and the tram 28.", "Thanks!"}));
  EXPECT_EQ(path[0].role, Role::System);
  EXPECT_EQ(path[2].role, Role::Assistant);
  EXPECT_EQ(path[2].created_at_ms, 1600000200000);
  for (const auto& m : path) {
    EXPECT_EQ(m.status, MessageStatus::Complete);
    EXPECT_EQ(m.reasoning, "");
    EXPECT_FALSE(m.stats);
    EXPECT_EQ(m.sibling_count, 1);
  }
  EXPECT_EQ(contents(store.active_path(2)), (std::vector<std::string>{"Grüße — 你好", "Hallo!"}));

  // Old messages and titles are searchable; new features work on old data.
  EXPECT_EQ(search(store, {.text = "alfama"}).size(), 1u);
  EXPECT_EQ(search(store, {.text = "lisbon"}).size(), 2u);  // a message and a title
  store.edit_user_message(5, "Thanks a lot!");
  EXPECT_EQ(store.siblings(5).size(), 2u);
  EXPECT_EQ(store.integrity_check(), "ok");

  // Reopening an up-to-date database neither migrates nor backs up again.
  store = Store::open(options());
  EXPECT_FALSE(store.upgrade_backup());
}

TEST_F(StoreTest, UpgradesAV2Database) {
  make_v1_database(db_path());
  {
    auto conn = memtest::raw_connection(db_path());
    migrate(*conn, 2);
    ASSERT_EQ(schema_version(*conn), 2);
    // v2-era data: a branch, reasoning, stats, a pinned conversation, a soft-deleted one,
    // and an answer that was streaming when that Vole was killed.
    conn->exec(R"sql(
      INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at) VALUES
        (7, 1, 4, 'user', 'Thanks, and Porto?', 1600000600000);
      INSERT INTO messages (id, conversation_id, parent_id, role, content, reasoning, status, created_at, stats_json)
        VALUES (8, 1, 7, 'assistant', 'Porto has port wine cel', 'User asks about Porto.', 'streaming',
                1600000700000, '{"generated_tokens": 6}');
      UPDATE conversations SET active_leaf_id = 8, pinned = 1, system_prompt = 'Be brief.' WHERE id = 1;
      UPDATE conversations SET deleted_at = 1600000800000 WHERE id = 2;
    )sql");
  }
  auto store = open();
  {
    auto l = store.lock();
    EXPECT_EQ(memtest::schema_of(l.conn), fresh_schema(dir.path()));
  }
  ASSERT_TRUE(store.upgrade_backup());
  EXPECT_NE(store.upgrade_backup()->filename().string().find(".v2-backup-"), std::string::npos);

  EXPECT_EQ(store.interrupted_at_open(), (std::vector<MessageId>{8}));
  auto path = store.active_path(1);
  EXPECT_EQ(contents(path), (std::vector<std::string>{"You are helpful.", "What to see in Lisbon?",
                                                       "The Alfama district and the tram 28.", "Thanks, and Porto?",
                                                       "Porto has port wine cel"}));
  EXPECT_EQ(path[3].sibling_count, 2);  // "Thanks!" and "Thanks, and Porto?"
  EXPECT_EQ(path[4].status, MessageStatus::Interrupted);
  EXPECT_EQ(path[4].reasoning, "User asks about Porto.");
  EXPECT_EQ(path[4].stats->generated_tokens, 6);
  auto c1 = store.conversation(1);
  EXPECT_TRUE(c1->pinned);
  EXPECT_EQ(c1->system_prompt, "Be brief.");
  EXPECT_EQ(store.list_conversations({.deleted = true}).size(), 1u);

  // The interrupted answer was indexed by recovery; the trashed conversation is hidden.
  EXPECT_EQ(search(store, {.text = "port wine"}).size(), 1u);
  EXPECT_TRUE(search(store, {.text = "hallo"}).empty());
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, AFailedUpgradeLeavesTheOldVersionIntact) {
  make_v1_database(db_path());
  auto o = options();
  o.max_size_bytes = 4096;  // no room to grow: the v2 rebuild cannot write its new table
  try {
    Store::open(o);
    FAIL() << "expected the upgrade to fail";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.problem(), StoreProblem::DiskFull) << e.what();
  }
  {
    auto conn = memtest::raw_connection(db_path(), true);
    EXPECT_EQ(schema_version(*conn), 1);  // rolled back as a whole
    EXPECT_EQ(conn->query_int64("SELECT count(*) FROM messages"), 6);
    EXPECT_EQ(conn->query_text("PRAGMA integrity_check"), "ok");
  }
  auto store = open();  // with room, the upgrade goes through
  EXPECT_EQ(store.active_path(1).size(), 4u);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerVole) {
  {
    auto conn = memtest::raw_connection(db_path());
    migrate(*conn);
    conn->exec("PRAGMA user_version = 42");
  }
  auto before = memtest::file_bytes(db_path());
  try {
    open();
    FAIL() << "expected TooNew";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.problem(), StoreProblem::TooNew);
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    std::string msg = e.what();
    EXPECT_NE(msg.find("v42"), std::string::npos) << msg;
    EXPECT_NE(msg.find("update Vole"), std::string::npos) << msg;
    EXPECT_NE(msg.find(db_path().string()), std::string::npos) << msg;
  }
  EXPECT_EQ(memtest::file_bytes(db_path()), before);
}
