// Schema v4: an answer's knowledge sources and a conversation's collection, on real SQLite
// files: saved and read back after reopening, replaced, refused when malformed, gone with
// their message, and a v3 database upgraded with its data intact.
#include <nlohmann/json.hpp>

#include "memory/export.h"
#include "memory/memory_test.h"
#include "memory/message_sources.h"
#include "memory/migrations.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::StoreTest;

namespace {

std::vector<MessageSource> two_sources() {
  MessageSource a{1,
                  "Manuals",
                  "/docs/pump.pdf",
                  "pump.pdf, page 3",
                  "Prime the pump before…",
                  "Prime the pump before the first start.",
                  3,
                  3,
                  0,
                  0};
  MessageSource b{2,
                  "Manuals",
                  "/docs/notes/setup.md",
                  "notes/setup.md, lines 10-24 (Guide > Install)",
                  "Run the installer…",
                  "Run the installer as an ordinary user.\nThen reboot — ünïcödé.",
                  0,
                  0,
                  10,
                  24};
  return {a, b};
}

}  // namespace

TEST_F(StoreTest, AnswerSourcesSurviveReopening) {
  MessageId answer = 0;
  ConversationId conversation = 0;
  {
    auto store = open();
    conversation = store.create_conversation().id;
    store.append_message(conversation, {.role = Role::User, .content = "How do I start the pump?"});
    answer = store.begin_assistant(conversation).id;
    save_message_sources(store, answer, two_sources());
    set_conversation_collection(store, conversation, "Manuals");
  }
  auto store = open();
  EXPECT_EQ(message_sources(store, answer), two_sources());
  EXPECT_EQ(conversation_collection(store, conversation), "Manuals");

  // Replaced as a whole; "" clears the collection.
  auto one = two_sources();
  one.resize(1);
  save_message_sources(store, answer, one);
  EXPECT_EQ(message_sources(store, answer), one);
  set_conversation_collection(store, conversation, "");
  EXPECT_FALSE(conversation_collection(store, conversation).has_value());
}

TEST_F(StoreTest, MalformedSourcesAreRefusedAndChangeNothing) {
  auto store = open();
  auto c = store.create_conversation().id;
  store.append_message(c, {.role = Role::User, .content = "q"});
  auto answer = store.begin_assistant(c).id;
  save_message_sources(store, answer, two_sources());
  auto duplicate = two_sources();
  duplicate[1].number = 1;
  EXPECT_THROW(save_message_sources(store, answer, duplicate), Error);
  auto zero = two_sources();
  zero[0].number = 0;
  EXPECT_THROW(save_message_sources(store, answer, zero), Error);
  EXPECT_THROW(save_message_sources(store, answer + 1000, two_sources()), Error);
  EXPECT_THROW(set_conversation_collection(store, c + 1000, "x"), Error);
  EXPECT_EQ(message_sources(store, answer), two_sources());
}

TEST_F(StoreTest, SourcesLeaveWithTheirConversation) {
  auto store = open();
  auto c = store.create_conversation().id;
  store.append_message(c, {.role = Role::User, .content = "q"});
  auto answer = store.begin_assistant(c).id;
  save_message_sources(store, answer, two_sources());
  store.soft_delete(c);
  store.purge_deleted();
  auto l = store.lock();
  EXPECT_EQ(l.conn.query_int64("SELECT count(*) FROM message_sources"), 0);
}

TEST_F(StoreTest, UpgradesAV3DatabaseToSources) {
  {
    auto conn = memtest::raw_connection(db_path());
    migrate(*conn, 3);
    conn->exec(R"sql(
      INSERT INTO conversations (id, title, model_id, created_at, updated_at) VALUES (1, 'Pumps', '', 1, 2);
      INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (1, 1, 'user', 'pump?', 1);
      UPDATE conversations SET active_leaf_id = 1 WHERE id = 1;
    )sql");
  }
  auto store = open();
  {
    auto l = store.lock();
    EXPECT_EQ(l.conn.query_int64("PRAGMA user_version"), kSchemaVersion);
  }
  EXPECT_EQ(store.active_path(1).size(), 1u);
  EXPECT_FALSE(conversation_collection(store, 1).has_value());
  EXPECT_TRUE(message_sources(store, 1).empty());
  save_message_sources(store, 1, two_sources());
  EXPECT_EQ(message_sources(store, 1).size(), 2u);
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, ExportsCarryTheSources) {
  auto store = open();
  auto c = store.create_conversation({.title = "Pumps"}).id;
  store.append_message(c, {.role = Role::User, .content = "How do I start the pump?"});
  auto answer = store.begin_assistant(c).id;
  save_message_sources(store, answer, two_sources());
  std::string md = export_markdown(store, c);
  EXPECT_NE(md.find("**Sources**\n\n1. pump.pdf, page 3 — Prime the pump before…\n2. notes/setup.md"),
            std::string::npos)
      << md;
  auto doc = nlohmann::json::parse(export_json(store, c));
  ASSERT_EQ(doc["messages"].size(), 2u);
  EXPECT_FALSE(doc["messages"][0].contains("sources"));
  ASSERT_EQ(doc["messages"][1]["sources"].size(), 2u);
  EXPECT_EQ(doc["messages"][1]["sources"][1]["passage"], two_sources()[1].passage);
  EXPECT_EQ(doc["messages"][1]["sources"][0]["page_begin"], 3);
}
