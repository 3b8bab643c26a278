// Issue 14.6 replayed on a real SQLite file: the FTS index page really damaged, the
// database opened read-only. The snapshot still opens (what survives can be read), and
// search says it cannot search and why, never "no matches"; every other read of a
// damaged table says the same kind of thing instead of returning less.
#include <gtest/gtest.h>

#include "hostile/damaged_database.h"
#include "memory/export.h"
#include "memory/search.h"
#include "memory/store.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::memory;
using namespace vole::test;

namespace {

Store open_read_only(const std::filesystem::path& db) {
  return Store::open({.path = db, .mode = AccessMode::ReadOnly});
}

// The error `read` throws: a StoreError that calls the database damaged and names the file.
std::string store_error(const std::filesystem::path& db, const std::function<void()>& read) {
  try {
    read();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.problem(), StoreProblem::Corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find(db.string()), std::string::npos) << e.what();
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a StoreError: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "the read succeeded on a damaged table";
  return "";
}

}  // namespace

TEST(HostileDamagedDatabase, SearchOnADamagedIndexSaysItCannotSearchAndWhy) {
  TempDir dir("vole-hostile-db");
  auto db = dir / "vole.db";
  write_conversation_database(db);
  {
    auto store = open_read_only(db);  // the undamaged file finds every message
    EXPECT_EQ(search(store, {.text = "apricot", .limit = 100}).size(), 60u);
  }
  damage_root_page(db, "message_fts_data");
  auto store = open_read_only(db);
  std::string err = store_error(db, [&] { search(store, {.text = "apricot", .limit = 100}); });
  EXPECT_NE(err.find("cannot search conversations"), std::string::npos) << err;
  // SQLite's own reason follows (with the root page of the index gone, FTS5 says
  // "vtable constructor failed: message_fts"; deeper damage reads "malformed").
  EXPECT_NE(err.find("the conversation database is damaged"), std::string::npos) << err;
  EXPECT_NE(err.find("message_fts"), std::string::npos) << err;
  // The rest of the snapshot still reads: only search depends on the index.
  auto list = store.list_conversations();
  ASSERT_EQ(list.size(), 20u);
  EXPECT_EQ(store.active_path(list[0].id).size(), 2u);
}

TEST(HostileDamagedDatabase, EveryReadOfADamagedMessageTableSaysWhy) {
  TempDir dir("vole-hostile-db");
  auto db = dir / "vole.db";
  write_conversation_database(db);
  std::vector<ConversationId> ids;
  std::vector<MessageId> messages;
  {
    auto store = open_read_only(db);
    for (const auto& c : store.list_conversations()) {
      ids.push_back(c.id);
      for (const auto& m : store.active_path(c.id)) messages.push_back(m.id);
    }
  }
  ASSERT_EQ(messages.size(), 40u);
  damage_root_page(db, "messages");
  std::optional<Store> store;
  try {
    store.emplace(open_read_only(db));
  } catch (const StoreError& e) {  // opening may already meet the damage: then it says so
    EXPECT_EQ(e.problem(), StoreProblem::Corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("malformed"), std::string::npos) << e.what();
    return;
  }
  for (const auto& [name, read] : std::vector<std::pair<std::string, std::function<void()>>>{
           {"active_path", [&] { store->active_path(ids[0]); }},
           {"message", [&] { store->message(messages[0]); }},
           {"path_to", [&] { store->path_to(messages[1]); }},
           {"siblings", [&] { store->siblings(messages[1]); }},
           {"export_markdown", [&] { export_markdown(*store, ids[0]); }},
           {"export_json", [&] { export_json(*store, ids[0]); }},
       }) {
    SCOPED_TRACE(name);
    std::string err = store_error(db, read);
    EXPECT_NE(err.find("malformed"), std::string::npos) << err;
  }
}
