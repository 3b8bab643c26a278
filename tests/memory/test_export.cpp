// Export of a conversation's active path to Markdown and JSON (formats in memory/export.h).
#include <nlohmann/json.hpp>

#include "memory/export.h"
#include "memory/memory_test.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::StoreTest;

namespace {

// A conversation with a system prompt, reasoning, stats, an abandoned branch and an
// interrupted answer at the end. Clock: 2023-11-14T22:13:21Z + 1 s per reading.
ConversationId build(Store& store) {
  auto c = store.create_conversation({.title = "Primes", .model_id = "qwen3.5-0.8b"});
  store.set_system_prompt(c.id, "Answer briefly.");
  store.set_sampling_json(c.id, R"({"temperature":0.6})");
  auto q = store.append_message(c.id, {.content = "Is 91 prime?"});
  store.append_message(c.id, {.role = Role::Assistant, .content = "Yes."});  // a wrong answer, regenerated below
  store.append_message(c.id, {.role = Role::Assistant,
                              .content = "No: 91 = 7 × 13.",
                              .reasoning = "Try small primes.\n\n7 × 13 = 91.",
                              .stats = MessageStats{.prompt_tokens = 12,
                                                    .generated_tokens = 30,
                                                    .tokens_per_second = 55.25,
                                                    .time_to_first_token_ms = 120,
                                                    .model = "qwen3.5-0.8b"},
                              .parent_id = q.id});
  store.append_message(c.id, {.content = "And 97?"});
  store.append_message(c.id, {.role = Role::Assistant, .content = "97 is", .status = MessageStatus::Interrupted});
  return c.id;
}

}  // namespace

TEST_F(StoreTest, ExportsMarkdown) {
  auto store = open();
  auto id = build(store);
  const std::string expected =
      "# Primes\n"
      "\n"
      "Model: qwen3.5-0.8b · Created: 2023-11-14T22:13:22.000Z · Updated: 2023-11-14T22:13:29.000Z\n"
      "\n"
      "## System prompt\n"
      "\n"
      "Answer briefly.\n"
      "\n"
      "## User\n"
      "\n"
      "Is 91 prime?\n"
      "\n"
      "## Assistant\n"
      "\n"
      "> **Reasoning**\n"
      ">\n"
      "> Try small primes.\n"
      ">\n"
      "> 7 × 13 = 91.\n"
      "\n"
      "No: 91 = 7 × 13.\n"
      "\n"
      "*12 prompt tokens · 30 tokens · 55.2 tok/s · first token 120.0 ms · qwen3.5-0.8b*\n"
      "\n"
      "## User\n"
      "\n"
      "And 97?\n"
      "\n"
      "## Assistant\n"
      "\n"
      "97 is\n"
      "\n"
      "*Status: interrupted*\n";
  EXPECT_EQ(export_markdown(store, id), expected);
  EXPECT_EQ(export_markdown(store, id).find("Yes."), std::string::npos);  // only the active path
}

TEST_F(StoreTest, ExportsJson) {
  auto store = open();
  auto id = build(store);
  auto doc = nlohmann::json::parse(export_json(store, id));
  EXPECT_EQ(doc["format"], "vole.conversation");
  EXPECT_EQ(doc["version"], 1);
  const auto& c = doc["conversation"];
  EXPECT_EQ(c["id"], id);
  EXPECT_EQ(c["title"], "Primes");
  EXPECT_EQ(c["model_id"], "qwen3.5-0.8b");
  EXPECT_EQ(c["created_at"].get<std::string>(), "2023-11-14T22:13:22.000Z");
  EXPECT_EQ(c["pinned"], false);
  EXPECT_EQ(c["system_prompt"], "Answer briefly.");
  EXPECT_EQ(c["sampling"]["temperature"], 0.6);

  const auto& msgs = doc["messages"];
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_TRUE(msgs[0]["parent_id"].is_null());
  for (size_t i = 1; i < msgs.size(); ++i) EXPECT_EQ(msgs[i]["parent_id"], msgs[i - 1]["id"]);
  EXPECT_EQ(msgs[0]["role"], "user");
  EXPECT_EQ(msgs[0]["content"], "Is 91 prime?");
  EXPECT_EQ(msgs[0]["reasoning"], "");
  EXPECT_TRUE(msgs[0]["stats"].is_null());
  EXPECT_EQ(msgs[1]["role"], "assistant");
  EXPECT_EQ(msgs[1]["reasoning"], "Try small primes.\n\n7 × 13 = 91.");
  EXPECT_EQ(msgs[1]["content"], "No: 91 = 7 × 13.");
  EXPECT_EQ(msgs[1]["status"], "complete");
  EXPECT_EQ(msgs[1]["stats"]["prompt_tokens"], 12);
  EXPECT_EQ(msgs[1]["stats"]["generated_tokens"], 30);
  EXPECT_EQ(msgs[1]["stats"]["tokens_per_second"], 55.25);
  EXPECT_EQ(msgs[1]["stats"]["time_to_first_token_ms"], 120.0);
  EXPECT_EQ(msgs[1]["stats"]["model"], "qwen3.5-0.8b");
  EXPECT_EQ(msgs[3]["status"], "interrupted");
  EXPECT_TRUE(msgs[3]["error"].is_null());
  EXPECT_EQ(export_json(store, id), export_json(store, id));  // deterministic
}

TEST_F(StoreTest, ExportHandlesEmptyAndOddConversations) {
  auto store = open();
  auto empty = store.create_conversation();
  auto md = export_markdown(store, empty.id);
  EXPECT_EQ(md.rfind("# Untitled conversation\n\nCreated: ", 0), 0u) << md;
  EXPECT_TRUE(nlohmann::json::parse(export_json(store, empty.id))["messages"].empty());
  EXPECT_THROW(export_markdown(store, empty.id + 50), Error);

  auto c = store.create_conversation({.title = "# not a heading\nsecond line"});
  store.append_message(c.id, {.role = Role::Assistant,
                              .status = MessageStatus::Error,
                              .error = "GPU device lost"});
  md = export_markdown(store, c.id);
  EXPECT_EQ(md.rfind("# # not a heading second line\n", 0), 0u) << md;  // a title stays one heading line
  EXPECT_NE(md.find("*Status: error (GPU device lost)*\n"), std::string::npos) << md;
  auto doc = nlohmann::json::parse(export_json(store, c.id));
  EXPECT_EQ(doc["conversation"]["title"], "# not a heading\nsecond line");  // JSON keeps it exact
  EXPECT_EQ(doc["messages"][0]["error"], "GPU device lost");
}

TEST_F(StoreTest, ThinkingTimeIsStoredAndExported) {
  auto store = open();
  auto c = store.create_conversation({.title = "Think"});
  store.append_message(c.id, {.content = "2+2?"});
  auto a = store.append_message(c.id, {.role = Role::Assistant,
                                       .content = "4",
                                       .reasoning = "Add.",
                                       .stats = MessageStats{.generated_tokens = 9, .reasoning_ms = 4200}});
  ASSERT_TRUE(store.message(a.id)->stats);
  EXPECT_EQ(store.message(a.id)->stats->reasoning_ms, 4200);
  EXPECT_NE(export_markdown(store, c.id).find("*9 tokens · thought 4.2 s*"), std::string::npos);
  EXPECT_NE(export_json(store, c.id).find("\"reasoning_ms\": 4200"), std::string::npos);
}
