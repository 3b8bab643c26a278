// Full-text search: matching, order, snippets with markers, titles, soft-deleted
// conversations, hostile input, Unicode, and the triggers that keep the index in sync.
#include "memory/memory_test.h"
#include "memory/search.h"
#include "memory/stream_writer.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::StoreTest;

namespace {

std::vector<MessageId> message_ids(const std::vector<SearchHit>& hits) {
  std::vector<MessageId> out;
  for (const auto& h : hits) out.push_back(h.message_id.value_or(-h.conversation_id));
  return out;
}

std::vector<SearchHit> find(Store& store, const std::string& text) {
  return search(store, {.text = text, .highlight_begin = "[", .highlight_end = "]"});
}

}  // namespace

TEST(SearchQuery, QuotesEveryWordAsAPrefixTerm) {
  EXPECT_EQ(fts5_query("hello world"), R"("hello"* "world"*)");
  EXPECT_EQ(fts5_query("  spaced\tout\n "), R"("spaced"* "out"*)");
  EXPECT_EQ(fts5_query(R"(say "hi")"), R"("say"* """hi"""*)");
  EXPECT_EQ(fts5_query("a AND b OR NOT c"), R"("a"* "AND"* "b"* "OR"* "NOT"* "c"*)");
  EXPECT_EQ(fts5_query(""), "");
  EXPECT_EQ(fts5_query("   "), "");
  std::string many;
  for (int i = 0; i < 100; ++i) many += "w ";
  EXPECT_EQ(fts5_query(many).size(), std::string(R"("w"* )").size() * 32 - 1);
}

TEST_F(StoreTest, SearchFindsWordsAndPrefixesNewestFirst) {
  auto store = open();
  auto c1 = store.create_conversation({.title = "Cooking"});
  auto m1 = store.append_message(c1.id, {.content = "How long should I boil an egg?"});
  auto m2 = store.append_message(c1.id, {.role = Role::Assistant, .content = "Boil the egg for seven minutes."});
  auto c2 = store.create_conversation({.title = "Running"});
  auto m3 = store.append_message(c2.id, {.content = "Tips for running in the rain, and boiling water for tea"});

  EXPECT_EQ(message_ids(find(store, "boil")), (std::vector{m3.id, m2.id, m1.id}));  // "boiling" by prefix
  EXPECT_EQ(message_ids(find(store, "egg boil")), (std::vector{m2.id, m1.id}));     // every word must match
  EXPECT_TRUE(find(store, "omelette").empty());

  auto hits = find(store, "SEVEN");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].conversation_id, c1.id);
  EXPECT_EQ(hits[0].conversation_title, "Cooking");
  EXPECT_EQ(hits[0].role, Role::Assistant);
  EXPECT_EQ(hits[0].time_ms, m2.created_at_ms);
  EXPECT_EQ(hits[0].snippet, "Boil the egg for [seven] minutes.");

  // Paging.
  EXPECT_EQ(message_ids(search(store, {.text = "boil", .limit = 2})), (std::vector{m3.id, m2.id}));
  EXPECT_EQ(message_ids(search(store, {.text = "boil", .limit = 2, .offset = 2})), (std::vector{m1.id}));
}

TEST_F(StoreTest, SearchSnippetsAreShortWithDefaultMarkers) {
  auto store = open();
  auto c = store.create_conversation();
  std::string text;
  for (int i = 0; i < 200; ++i) text += (i == 100 ? "needle " : "hay ");
  store.append_message(c.id, {.content = text});
  auto hits = search(store, {.text = "needle", .snippet_words = 6});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].snippet.find("\x02needle\x03"), std::string::npos) << hits[0].snippet;
  EXPECT_LT(hits[0].snippet.size(), 60u) << hits[0].snippet;
  EXPECT_NE(hits[0].snippet.find("…"), std::string::npos);
}

TEST_F(StoreTest, SearchMatchesTitlesAndSkipsTheTrash) {
  auto store = open();
  auto trip = store.create_conversation({.title = "Holiday in Portugal"});
  store.append_message(trip.id, {.content = "Where should I go in Lisbon?"});
  auto other = store.create_conversation({.title = "Taxes"});
  auto mention = store.append_message(other.id, {.content = "Portugal has a tax treaty"});

  auto hits = find(store, "portugal");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].message_id, mention.id);  // newer activity first
  EXPECT_FALSE(hits[1].message_id);           // the title hit
  EXPECT_EQ(hits[1].conversation_id, trip.id);
  EXPECT_EQ(hits[1].snippet, "Holiday in [Portugal]");

  store.rename(trip.id, "Holiday in Spain");  // the title index follows renames
  EXPECT_EQ(find(store, "portugal").size(), 1u);
  EXPECT_EQ(find(store, "spain").size(), 1u);

  store.soft_delete(other.id);
  EXPECT_TRUE(find(store, "treaty").empty());
  store.undo_delete(other.id);
  EXPECT_EQ(find(store, "treaty").size(), 1u);
  store.soft_delete(other.id);
  store.purge_deleted();
  EXPECT_TRUE(find(store, "treaty").empty());
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, SearchSurvivesHostileInput) {
  auto store = open();
  auto c = store.create_conversation({.title = "C++ questions"});
  auto m = store.append_message(c.id, {.content = "Use std::vector<int> and \"quotes\" OR NOT; 100% (ok) * ^ NEAR(a b)"});
  const std::vector<std::string> hostile = {
      "\"",        "\"\"\"",     "*",         "a*b",        "NEAR(",       "(",          ")",
      "AND",       "OR NOT",     "col:term",  "content:x",  "^start",      "-minus",     "+plus",
      "'; DROP TABLE messages; --", "\\",   "{content}:x", "\x01\x02",  "%",          "NOT",
      "(ok)",      "\"quotes\"", "100%",     std::string(5000, 'a'),
  };
  for (const auto& q : hostile) {
    EXPECT_NO_THROW(find(store, q)) << q;
  }
  EXPECT_EQ(message_ids(find(store, "\"quotes\"")), (std::vector{m.id}));
  EXPECT_EQ(message_ids(find(store, "OR NOT")), (std::vector{m.id}));  // words, not operators
  EXPECT_EQ(message_ids(find(store, "NEAR(a")), (std::vector{m.id}));
  EXPECT_EQ(message_ids(find(store, "std::vector<int>")), (std::vector{m.id}));
  EXPECT_EQ(message_ids(find(store, "(ok)")), (std::vector{m.id}));
  EXPECT_TRUE(find(store, "").empty());
  EXPECT_TRUE(find(store, "%%% ***").empty());  // nothing searchable
  std::string with_nul("vec\0tor", 7);
  EXPECT_NO_THROW(find(store, with_nul));
  EXPECT_EQ(store.list_conversations().size(), 1u);  // and the tables are still there
}

TEST_F(StoreTest, SearchHandlesUnicode) {
  auto store = open();
  auto c = store.create_conversation({.title = "Mélange"});
  auto fr = store.append_message(c.id, {.content = "Un café crème à Paris"});
  auto ru = store.append_message(c.id, {.content = "Привет, как дела?"});
  auto zh = store.append_message(c.id, {.content = "我喜欢猫 and dogs"});
  auto de = store.append_message(c.id, {.content = "Straße und ÜBERGRÖSSE"});

  EXPECT_EQ(message_ids(find(store, "cafe")), (std::vector{fr.id}));    // accents folded
  EXPECT_EQ(message_ids(find(store, "CAFÉ")), (std::vector{fr.id}));    // case folded
  EXPECT_EQ(message_ids(find(store, "creme a")), (std::vector{fr.id}));
  EXPECT_EQ(message_ids(find(store, "привет")), (std::vector{ru.id}));  // Cyrillic case folding
  EXPECT_EQ(message_ids(find(store, "ДЕЛА")), (std::vector{ru.id}));
  EXPECT_EQ(message_ids(find(store, "我喜欢猫")), (std::vector{zh.id}));
  EXPECT_EQ(message_ids(find(store, "我喜")), (std::vector{zh.id}));    // prefix of a CJK run
  EXPECT_EQ(message_ids(find(store, "übergrösse")), (std::vector{de.id}));
  EXPECT_EQ(message_ids(find(store, "melange")), (std::vector{-c.id}));  // title, accent folded

  auto hits = find(store, "cafe");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].snippet, "Un [café] crème à Paris");  // the original text, highlighted
  EXPECT_NO_THROW(find(store, "\xff\xfe invalid utf8"));
}

TEST_F(StoreTest, SearchIndexFollowsEditsOfStatusAndContent) {
  auto store = open();
  auto c = store.create_conversation();
  store.append_message(c.id, {.content = "ask about zebras"});
  auto a = store.begin_assistant(c.id);
  {
    StreamWriter w(store, a.id);
    w.append_content("giraffes are tall");
    w.flush();
    EXPECT_TRUE(find(store, "giraffes").empty());  // streaming: not yet searchable
  }  // destroyed unfinished: interrupted, so searchable now
  EXPECT_EQ(find(store, "giraffes").size(), 1u);
  store.resume(a.id);
  EXPECT_TRUE(find(store, "giraffes").empty());
  {
    StreamWriter w(store, a.id);
    w.append_content(" and okapis hide");
    w.finish();
  }
  EXPECT_EQ(find(store, "giraffes okapis").size(), 1u);
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, SearchPagesAreConsistentSlicesOfTheWholeResult) {
  auto store = open();
  std::vector<ConversationId> trashed;
  for (int i = 0; i < 12; ++i) {
    auto c = store.create_conversation({.title = i % 3 == 0 ? "walrus facts " + std::to_string(i) : "misc"});
    for (int m = 0; m < 3; ++m)
      store.append_message(c.id, {.content = (m == 1 ? "nothing here " : "the walrus number ") + std::to_string(m)});
    if (i % 4 == 1) store.soft_delete(c.id);
  }
  auto all = search(store, {.text = "walrus", .limit = 1000});
  // 12 conversations, 3 of them trashed: 9 x 2 messages + 3 live titles (conversation 9 is trashed).
  ASSERT_EQ(all.size(), 9u * 2 + 3);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i - 1].time_ms, all[i].time_ms) << i;
  for (int64_t page_size : {1, 4, 7}) {
    std::vector<SearchHit> paged;
    for (int64_t offset = 0;; offset += page_size) {
      auto page = search(store, {.text = "walrus", .limit = page_size, .offset = offset});
      if (page.empty()) break;
      EXPECT_LE(static_cast<int64_t>(page.size()), page_size);
      paged.insert(paged.end(), page.begin(), page.end());
    }
    ASSERT_EQ(paged.size(), all.size()) << page_size;
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(paged[i].message_id, all[i].message_id);
      EXPECT_EQ(paged[i].conversation_id, all[i].conversation_id);
      EXPECT_EQ(paged[i].snippet, all[i].snippet);
    }
  }
}
