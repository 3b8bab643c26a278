// StreamWriter: batches deltas into one transaction per interval (counted with SQLite's
// commit hook), commits on finish, keeps unsaved text when a save fails and retries.
#include <thread>

#include "memory/memory_test.h"
#include "memory/stream_writer.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::StoreTest;
using namespace std::chrono_literals;

namespace {

// A steady clock the test moves by hand.
struct ManualClock {
  std::shared_ptr<std::chrono::steady_clock::time_point> t =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::time_point{} + 1h);
  void advance(std::chrono::milliseconds d) { *t += d; }
  std::function<std::chrono::steady_clock::time_point()> fn() const {
    return [t = t] { return *t; };
  }
};

std::string stored_content(const std::filesystem::path& db, MessageId id) {
  auto raw = memtest::raw_connection(db, /*read_only=*/true);
  auto st = raw->prepare("SELECT content FROM messages WHERE id = ?1");
  st.bind(1, id);
  return st.step() ? st.text(0) : "<missing>";
}

}  // namespace

TEST_F(StoreTest, StreamWriterCommitsAtMostOncePerInterval) {
  auto store = open();
  auto c = store.create_conversation();
  store.append_message(c.id, {.content = "go"});
  auto a = store.begin_assistant(c.id);
  ManualClock clock;
  StreamWriter w(store, a.id, {.flush_interval = 250ms, .clock = clock.fn()});

  int64_t commits_before = store.commit_count();
  std::string expected;
  // 1000 deltas, 10 ms apart: 10 s of streaming.
  for (int i = 0; i < 1000; ++i) {
    clock.advance(10ms);
    std::string delta = "t" + std::to_string(i) + " ";
    expected += delta;
    w.append_content(delta);
    if (i % 7 == 0) w.append_reasoning("r");
  }
  // One commit each time 250 ms have passed since the previous one: 10 s / 250 ms = 40.
  EXPECT_EQ(w.batches_committed(), 40);
  EXPECT_EQ(store.commit_count() - commits_before, 40);
  EXPECT_EQ(w.pending_bytes(), 0u);  // the last delta landed exactly on a batch boundary
  EXPECT_EQ(stored_content(db_path(), a.id), expected);

  clock.advance(1ms);
  w.append_content("tail");
  EXPECT_EQ(w.pending_bytes(), 4u);
  EXPECT_EQ(stored_content(db_path(), a.id), expected);  // not yet saved
  w.finish(MessageStatus::Complete, MessageStats{.generated_tokens = 1001, .tokens_per_second = 100.0});
  EXPECT_EQ(store.commit_count() - commits_before, 41);  // finish: one more transaction
  auto m = store.message(a.id);
  EXPECT_EQ(m->content, expected + "tail");
  EXPECT_EQ(m->reasoning, std::string(143, 'r'));
  EXPECT_EQ(m->status, MessageStatus::Complete);
  EXPECT_EQ(m->stats->generated_tokens, 1001);
  EXPECT_THROW(w.append_content("after the end"), Error);
}

TEST_F(StoreTest, StreamWriterWithoutElapsedTimeWaitsForFinish) {
  auto store = open();
  auto c = store.create_conversation();
  auto a = store.begin_assistant(c.id);
  ManualClock clock;
  StreamWriter w(store, a.id, {.clock = clock.fn()});
  int64_t commits_before = store.commit_count();
  for (int i = 0; i < 500; ++i) w.append_content("x");
  EXPECT_EQ(store.commit_count(), commits_before);
  EXPECT_FALSE(w.flush_if_due());
  clock.advance(250ms);
  EXPECT_TRUE(w.flush_if_due());  // an app timer can push a batch out when deltas pause
  EXPECT_EQ(store.commit_count(), commits_before + 1);
  EXPECT_EQ(stored_content(db_path(), a.id), std::string(500, 'x'));
  w.finish();
  EXPECT_EQ(store.commit_count(), commits_before + 2);
}

TEST_F(StoreTest, StreamWriterWithTheRealClock) {
  auto store = open();
  auto c = store.create_conversation();
  auto a = store.begin_assistant(c.id);
  StreamWriter w(store, a.id, {.flush_interval = 20ms});
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 200ms) {
    w.append_content(".");
    std::this_thread::sleep_for(1ms);
  }
  // About 200 ms / 20 ms = 10 batches; never one per delta (~150 of them).
  EXPECT_GE(w.batches_committed(), 3);
  EXPECT_LE(w.batches_committed(), 11);
  w.finish();
  EXPECT_EQ(store.message(a.id)->content, w.content());
}

TEST_F(StoreTest, StreamWriterRefusesMessagesThatAreNotStreamingAnswers) {
  auto store = open();
  auto c = store.create_conversation();
  auto q = store.append_message(c.id, {.content = "question"});
  EXPECT_THROW(StreamWriter(store, q.id), Error);
  auto done = store.append_message(c.id, {.role = Role::Assistant, .content = "done"});
  EXPECT_THROW(StreamWriter(store, done.id), Error);
  EXPECT_THROW(StreamWriter(store, done.id + 100), Error);
  auto a = store.begin_assistant(c.id);
  StreamWriter w(store, a.id);
  EXPECT_THROW(w.finish(MessageStatus::Streaming), Error);
  w.finish();
  EXPECT_THROW(w.finish(), Error);
}

TEST_F(StoreTest, StreamingAnswersJoinTheSearchIndexWhenTheyEnd) {
  auto store = open();
  auto c = store.create_conversation();
  auto a = store.begin_assistant(c.id);
  ManualClock clock;
  StreamWriter w(store, a.id, {.clock = clock.fn()});
  w.append_content("the aardvark ");
  clock.advance(300ms);
  w.append_content("sleeps");
  auto l = store.lock();
  auto count = [&] { return l.conn.query_int64("SELECT count(*) FROM message_fts WHERE message_fts MATCH 'aardvark'"); };
  EXPECT_EQ(count(), 0);  // saved, but not indexed while streaming
  l.lock.unlock();
  w.finish();
  l.lock.lock();
  EXPECT_EQ(count(), 1);
  l.lock.unlock();
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(StoreTest, StreamWriterNeverSavesHalfACharacter) {
  auto store = open();
  auto c = store.create_conversation();
  auto a = store.begin_assistant(c.id);
  ManualClock clock;
  StreamWriter w(store, a.id, {.clock = clock.fn()});
  // Byte-level tokens split characters: "é" = C3 A9, "🎉" = F0 9F 8E 89.
  const std::string deltas[] = {"caf\xC3", "\xA9 ", "\xF0\x9F", "\x8E", "\x89!", "\xE4\xBD"};
  const std::string saved_after[] = {"caf", "café ", "café ", "café ", "café 🎉!", "café 🎉!"};
  for (size_t i = 0; i < std::size(deltas); ++i) {
    w.append_content(deltas[i]);
    w.append_reasoning(deltas[i]);
    clock.advance(300ms);
    w.flush_if_due();
    auto m = store.message(a.id);
    EXPECT_EQ(m->content, saved_after[i]) << i;
    EXPECT_EQ(m->reasoning, saved_after[i]) << i;
  }
  EXPECT_EQ(w.pending_bytes(), 4u);  // two bytes of 你 in content and in reasoning
  clock.advance(300ms);
  w.append_content("\xA0");
  EXPECT_EQ(store.message(a.id)->content, "café 🎉!你");
  w.finish();  // the end is saved whatever it is
  EXPECT_EQ(store.message(a.id)->reasoning, "café 🎉!\xE4\xBD");
}
