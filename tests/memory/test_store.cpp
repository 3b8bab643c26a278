// Conversations and messages: create, read, update, list order, soft delete with undo,
// purge, per-conversation settings, and what is actually stored on disk.
#include <thread>

#include "memory/memory_test.h"
#include "memory/migrations.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::StoreTest;

namespace {

std::vector<ConversationId> ids(const std::vector<Conversation>& list) {
  std::vector<ConversationId> out;
  for (const auto& c : list) out.push_back(c.id);
  return out;
}

}  // namespace

TEST_F(StoreTest, CreatesDatabaseInWalModeWithForeignKeysAndCurrentSchema) {
  auto store = open();
  EXPECT_EQ(store.path(), db_path());
  EXPECT_FALSE(store.read_only());
  EXPECT_FALSE(store.in_memory());
  EXPECT_TRUE(std::filesystem::exists(db_path()));
  auto raw = memtest::raw_connection(db_path());
  EXPECT_EQ(raw->query_text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw->query_int64("PRAGMA user_version"), kSchemaVersion);
  auto l = store.lock();
  EXPECT_EQ(l.conn.query_int64("PRAGMA foreign_keys"), 1);
  EXPECT_EQ(l.conn.query_int64("PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_GT(l.conn.query_int64("PRAGMA busy_timeout"), 0);
}

TEST_F(StoreTest, DefaultPathIsInTheDataDir) {
  setenv("VOLE_DATA_DIR", (dir / "data").c_str(), 1);
  EXPECT_EQ(default_database_path(), dir / "data" / "vole.db");
  {
    auto store = Store::open();  // creates the missing data folder
    EXPECT_EQ(store.path(), dir / "data" / "vole.db");
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "vole.db"));
  unsetenv("VOLE_DATA_DIR");
}

TEST_F(StoreTest, CreateGetAndUpdateConversation) {
  auto store = open();
  auto c = store.create_conversation({.title = "Trip to Lyon", .model_id = "qwen3.5-0.8b"});
  EXPECT_GT(c.id, 0);
  EXPECT_EQ(c.title, "Trip to Lyon");
  EXPECT_EQ(c.model_id, "qwen3.5-0.8b");
  EXPECT_EQ(c.created_at_ms, c.updated_at_ms);
  EXPECT_FALSE(c.system_prompt);
  EXPECT_FALSE(c.sampling_json);
  EXPECT_FALSE(c.pinned);
  EXPECT_FALSE(c.deleted_at_ms);
  EXPECT_FALSE(c.active_leaf_id);

  store.rename(c.id, "Lyon, 3 days");
  store.set_model(c.id, "qwen3-1.7b");
  store.set_pinned(c.id, true);
  store.set_system_prompt(c.id, "You are terse.");
  store.set_sampling_json(c.id, R"({"temperature":0.2,"top_p":0.9})");
  auto got = store.conversation(c.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->title, "Lyon, 3 days");
  EXPECT_EQ(got->model_id, "qwen3-1.7b");
  EXPECT_TRUE(got->pinned);
  EXPECT_EQ(got->system_prompt, "You are terse.");
  EXPECT_EQ(got->sampling_json, R"({"temperature":0.2,"top_p":0.9})");
  EXPECT_EQ(got->updated_at_ms, c.updated_at_ms);  // settings are not activity

  store.set_system_prompt(c.id, std::nullopt);
  store.set_sampling_json(c.id, std::nullopt);
  got = store.conversation(c.id);
  EXPECT_FALSE(got->system_prompt);
  EXPECT_FALSE(got->sampling_json);

  EXPECT_FALSE(store.conversation(c.id + 100));
}

TEST_F(StoreTest, RejectsBadInputWithClearErrors) {
  auto store = open();
  auto c = store.create_conversation();
  try {
    store.set_sampling_json(c.id, "[1, 2]");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("JSON object"), std::string::npos) << e.what();
  }
  EXPECT_THROW(store.create_conversation({.sampling_json = "{not json"}), Error);
  try {
    store.rename(c.id + 7, "x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find(std::to_string(c.id + 7)), std::string::npos) << e.what();
  }
  EXPECT_THROW(store.append_message(c.id + 7, {.content = "hi"}), Error);
  auto other = store.create_conversation();
  auto m = store.append_message(other.id, {.content = "elsewhere"});
  try {
    store.append_message(c.id, {.content = "x", .parent_id = m.id});
    FAIL() << "a parent from another conversation must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
  EXPECT_TRUE(store.active_path(c.id).empty());  // nothing half-written
}

TEST_F(StoreTest, ListsNewestActivityFirst) {
  auto store = open();
  auto a = store.create_conversation({.title = "a"});
  auto b = store.create_conversation({.title = "b"});
  auto c = store.create_conversation({.title = "c"});
  EXPECT_EQ(ids(store.list_conversations()), (std::vector{c.id, b.id, a.id}));
  store.append_message(a.id, {.content = "bump a"});  // activity moves a to the top
  EXPECT_EQ(ids(store.list_conversations()), (std::vector{a.id, c.id, b.id}));
  store.rename(b.id, "renamed");  // renaming is not activity
  EXPECT_EQ(ids(store.list_conversations()), (std::vector{a.id, c.id, b.id}));
  store.set_pinned(b.id, true);
  EXPECT_EQ(ids(store.list_conversations({.pinned_first = true})), (std::vector{b.id, a.id, c.id}));
  EXPECT_EQ(ids(store.list_conversations({.limit = 2})), (std::vector{a.id, c.id}));
  EXPECT_EQ(ids(store.list_conversations({.limit = 2, .offset = 2})), (std::vector{b.id}));
}

TEST_F(StoreTest, AppendsMessagesWithAllFields) {
  auto store = open();
  auto c = store.create_conversation();
  auto sys = store.append_message(c.id, {.role = Role::System, .content = "Be kind."});
  auto user = store.append_message(c.id, {.role = Role::User, .content = "What is 2+2?"});
  MessageStats stats{.prompt_tokens = 21,
                     .generated_tokens = 9,
                     .tokens_per_second = 41.5,
                     .time_to_first_token_ms = 230.25,
                     .model = "qwen3.5-0.8b"};
  auto answer = store.append_message(c.id, {.role = Role::Assistant,
                                            .content = "4",
                                            .reasoning = "2+2 is 4.",
                                            .stats = stats});
  auto tool = store.append_message(c.id, {.role = Role::Tool, .content = "{\"result\": 4}"});
  EXPECT_EQ(sys.parent_id, std::nullopt);
  EXPECT_EQ(user.parent_id, sys.id);
  EXPECT_EQ(answer.parent_id, user.id);
  EXPECT_EQ(tool.parent_id, answer.id);

  auto got = store.message(answer.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->conversation_id, c.id);
  EXPECT_EQ(got->role, Role::Assistant);
  EXPECT_EQ(got->content, "4");
  EXPECT_EQ(got->reasoning, "2+2 is 4.");
  EXPECT_EQ(got->status, MessageStatus::Complete);
  ASSERT_TRUE(got->stats);
  EXPECT_EQ(*got->stats, stats);
  EXPECT_EQ(got->sibling_count, 1);
  EXPECT_EQ(got->sibling_index, 0);
  EXPECT_GT(got->created_at_ms, c.created_at_ms);

  auto conv = store.conversation(c.id);
  EXPECT_EQ(conv->active_leaf_id, tool.id);
  EXPECT_EQ(conv->updated_at_ms, tool.created_at_ms);

  auto error = store.append_message(c.id, {.role = Role::Assistant,
                                           .status = MessageStatus::Error,
                                           .error = "out of memory on the GPU"});
  EXPECT_EQ(store.message(error.id)->error, "out of memory on the GPU");
  EXPECT_EQ(store.message(error.id)->status, MessageStatus::Error);
  EXPECT_FALSE(store.message(error.id + 1000));
}

TEST_F(StoreTest, DataSurvivesReopening) {
  ConversationId id;
  {
    auto store = open();
    id = store.create_conversation({.title = "persist"}).id;
    store.append_message(id, {.content = "héllo wörld — 你好 🎉"});
    store.append_message(id, {.role = Role::Assistant, .content = std::string(100000, 'x')});
  }
  auto store = open();
  auto path = store.active_path(id);
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0].content, "héllo wörld — 你好 🎉");
  EXPECT_EQ(path[1].content, std::string(100000, 'x'));
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, SoftDeleteUndoAndPurge) {
  auto store = open();
  auto keep = store.create_conversation({.title = "keep"});
  auto gone = store.create_conversation({.title = "gone"});
  store.append_message(gone.id, {.content = "secret plans"});
  auto later = store.create_conversation({.title = "later"});

  store.soft_delete(gone.id);
  EXPECT_EQ(ids(store.list_conversations()), (std::vector{later.id, keep.id}));
  EXPECT_EQ(ids(store.list_conversations({.deleted = true})), (std::vector{gone.id}));
  auto trashed = store.conversation(gone.id);
  ASSERT_TRUE(trashed && trashed->deleted_at_ms);
  EXPECT_EQ(store.active_path(gone.id).size(), 1u);  // still readable while in the trash

  store.undo_delete(gone.id);
  EXPECT_EQ(ids(store.list_conversations()), (std::vector{later.id, gone.id, keep.id}));
  EXPECT_TRUE(store.list_conversations({.deleted = true}).empty());

  store.soft_delete(gone.id);
  auto deleted_at = *store.conversation(gone.id)->deleted_at_ms;
  store.soft_delete(later.id);
  // Purge only what was deleted at or before the cutoff.
  EXPECT_EQ(store.purge_deleted(deleted_at), 1);
  EXPECT_FALSE(store.conversation(gone.id));
  EXPECT_TRUE(store.conversation(later.id));
  EXPECT_EQ(store.purge_deleted(), 1);
  EXPECT_FALSE(store.conversation(later.id));
  EXPECT_EQ(store.purge_deleted(), 0);
  EXPECT_EQ(ids(store.list_conversations()), (std::vector{keep.id}));

  // The messages went with the conversation, and the database is consistent.
  auto l = store.lock();
  EXPECT_EQ(l.conn.query_int64("SELECT count(*) FROM messages"), 0);
  l.lock.unlock();
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, PurgedTextLeavesTheFile) {
  const std::string secret = "zanzibarquokka";
  {
    auto store = open();
    auto c = store.create_conversation({.title = "private"});
    store.append_message(c.id, {.content = "my secret is " + secret});
    store.soft_delete(c.id);
    store.purge_deleted();
  }
  // Closed cleanly: WAL checkpointed into the main file; secure_delete zeroed freed pages.
  for (const char* suffix : {"", "-wal"}) {
    auto p = db_path().string() + suffix;
    if (std::filesystem::exists(p)) {
      EXPECT_EQ(memtest::file_bytes(p).find(secret), std::string::npos) << p;
    }
  }
}

TEST_F(StoreTest, InMemoryStoreWorksAndSavesNothing) {
  auto store = Store::open_in_memory(memtest::stepping_clock());
  EXPECT_TRUE(store.in_memory());
  EXPECT_TRUE(store.path().empty());
  auto c = store.create_conversation({.title = "scratch"});
  store.append_message(c.id, {.content = "hello"});
  EXPECT_EQ(store.active_path(c.id).size(), 1u);
  EXPECT_EQ(store.list_conversations().size(), 1u);
  EXPECT_EQ(store.integrity_check(), "ok");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST_F(StoreTest, StoreCanBeSharedBetweenThreads) {
  auto store = open();
  auto c = store.create_conversation();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto other = store.create_conversation({.title = "t" + std::to_string(t)});
        store.append_message(other.id, {.content = "m" + std::to_string(i)});
        store.list_conversations({.limit = 5});
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(store.list_conversations().size(), 101u);
  EXPECT_EQ(store.integrity_check(), "ok");
  (void)c;
}
