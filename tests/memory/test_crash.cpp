// kill -9 in the middle of a streamed answer. A helper process (stream_forever.cpp)
// streams an answer forever with the normal StreamWriter; we kill it at random moments
// after it has committed something, reopen the database and check that it is intact, the
// user message and at least everything seen committed before the kill are there, and the
// answer is now interrupted (and can be continued).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <random>
#include <thread>

#include "memory/memory_test.h"
#include "memory/search.h"
#include "memory/stream_writer.h"

using namespace vole;
using namespace vole::memory;
using namespace std::chrono_literals;

extern char** environ;

namespace {

struct Answer {
  MessageId id = 0;
  std::string content;
};

// The newest assistant message, read by a separate read-only connection as another
// process would see it: only committed data.
std::optional<Answer> newest_answer(const std::filesystem::path& db, MessageId newer_than) {
  if (!std::filesystem::exists(db)) return std::nullopt;
  auto conn = memtest::raw_connection(db, /*read_only=*/true);
  if (conn->query_int64("SELECT count(*) FROM sqlite_schema WHERE name = 'messages'") == 0) return std::nullopt;  // not created yet
  auto st = conn->prepare("SELECT id, content FROM messages WHERE role = 'assistant' AND id > ?1 ORDER BY id DESC LIMIT 1");
  st.bind(1, newer_than);
  if (!st.step()) return std::nullopt;
  return Answer{st.int64(0), st.text(1)};
}

// "w0 w1 ... w<n-1> " for some n: whole deltas only, in order.
bool is_stream_prefix(const std::string& content) {
  std::string expected;
  for (uint64_t i = 0; expected.size() < content.size(); ++i) expected += "w" + std::to_string(i) + " ";
  return expected == content;
}

// The streamer process; killed and reaped when the test leaves, whichever way it leaves.
class Streamer {
 public:
  Streamer(const std::string& helper, const std::string& db) {
    std::string interval = "20";
    char* argv[] = {const_cast<char*>(helper.c_str()), const_cast<char*>(db.c_str()), interval.data(), nullptr};
    if (posix_spawn(&pid_, helper.c_str(), nullptr, nullptr, argv, environ) != 0) pid_ = -1;
  }
  ~Streamer() {
    if (pid_ > 0) kill_and_wait();
  }
  pid_t pid() const { return pid_; }
  // kill -9, then the wait status.
  int kill_and_wait() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace

TEST(Crash, KillNineMidStreamLosesOnlyTheUnsavedTail) {
  const char* helper = std::getenv("VOLE_MEMORY_STREAM_HELPER");
  ASSERT_TRUE(helper && std::filesystem::exists(helper)) << "VOLE_MEMORY_STREAM_HELPER must name stream_forever";
  vole::test::TempDir dir("vole-crash");
  auto db = dir / "vole.db";
  std::random_device rd;
  unsigned seed = rd();
  std::mt19937 rng(seed);
  SCOPED_TRACE("random seed " + std::to_string(seed));

  MessageId last = 0;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Streamer streamer(helper, db.string());
    ASSERT_GT(streamer.pid(), 0);

    // Wait until this round's answer has committed some text.
    std::optional<Answer> seen;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      seen = newest_answer(db, last);
      if (seen && !seen->content.empty()) break;
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(seen && !seen->content.empty()) << "the streamer never committed anything";

    if (round == 0) {
      // While the streamer lives, opening the store elsewhere must not mistake its answer for a dead one.
      auto live = Store::open({.path = db});
      EXPECT_TRUE(live.interrupted_at_open().empty());
      EXPECT_EQ(live.message(seen->id)->status, MessageStatus::Streaming);
    }

    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 300000)(rng)));
    auto before_kill = newest_answer(db, last);  // committed just before the kill
    int status = streamer.kill_and_wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the streamer exited on its own";

    auto store = Store::open({.path = db});
    EXPECT_EQ(store.integrity_check(), "ok");
    EXPECT_EQ(store.interrupted_at_open(), std::vector<MessageId>{seen->id});
    auto answer = store.message(seen->id);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, MessageStatus::Interrupted);
    EXPECT_TRUE(is_stream_prefix(answer->content)) << answer->content.substr(answer->content.size() - 40);
    EXPECT_GE(answer->content.size(), before_kill->content.size());
    EXPECT_EQ(answer->content.substr(0, before_kill->content.size()), before_kill->content);
    EXPECT_EQ(answer->reasoning.rfind("r0 ", 0), 0u);

    // The place in the tree: user message -> partial answer, shown as the active leaf.
    auto path = store.active_path(answer->conversation_id);
    ASSERT_EQ(path.size(), 2u);
    EXPECT_EQ(path[0].role, Role::User);
    EXPECT_EQ(path[0].content, "please stream forever");
    EXPECT_EQ(path[1].id, seen->id);
    // Interrupted answers are searchable and can be continued.
    EXPECT_FALSE(search(store, {.text = "w0"}).empty());
    if (round == 0) {
      store.resume(seen->id);
      StreamWriter w(store, seen->id);
      w.append_content("(continued)");
      w.finish();
      EXPECT_EQ(store.message(seen->id)->content, answer->content + "(continued)");
    }
    last = seen->id;
  }
  auto store = Store::open({.path = db});
  EXPECT_EQ(store.list_conversations().size(), 5u);
  EXPECT_TRUE(store.interrupted_at_open().empty());
}
