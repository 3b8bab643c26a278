// Conversation store benchmark: costs that shaped engine/memory's design, as ratios
// measured in one run on one machine.
//   1. Streaming: one commit per token vs StreamWriter's 250 ms batches, and what a
//      commit costs with synchronous=FULL instead of NORMAL (WAL).
//   2. Opening a database of many conversations with and without PRAGMA quick_check.
//   3. Full-text search on that database.
// Usage: vole-bench-memory [conversations=2000] [folder=temp]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "memory/search.h"
#include "memory/sqlite.h"
#include "memory/store.h"
#include "memory/stream_writer.h"

using namespace vole::memory;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Streams `tokens` deltas into a new answer; returns milliseconds.
double stream(Store& store, int tokens, std::chrono::milliseconds interval) {
  auto c = store.create_conversation({.title = "bench"});
  store.append_message(c.id, {.content = "go"});
  auto a = store.begin_assistant(c.id);
  auto start = Clock::now();
  StreamWriter w(store, a.id, {.flush_interval = interval});
  for (int i = 0; i < tokens; ++i) w.append_content(" token" + std::to_string(i));
  w.finish();
  return ms_since(start);
}

const char* kWords[] = {"garden", "python", "lisbon", "recipe", "quantum", "violin", "tax", "marathon",
                        "kernel", "poetry", "vaccine", "bicycle", "jazz", "orbit", "pasta", "glacier"};

}  // namespace

int main(int argc, char** argv) {
  int conversations = argc > 1 ? std::atoi(argv[1]) : 2000;
  fs::path dir = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / ("vole-bench-memory-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path db = dir / "vole.db";
  fs::remove(db);
  std::printf("conversation store benchmark in %s\n", dir.c_str());

  {
    auto store = Store::open({.path = db});
    const int tokens = 2000;
    double per_token = stream(store, tokens, std::chrono::milliseconds(0));
    double batched = stream(store, tokens, std::chrono::milliseconds(250));
    store.lock().conn.exec("PRAGMA synchronous = FULL");
    double per_token_full = stream(store, tokens, std::chrono::milliseconds(0));
    store.lock().conn.exec("PRAGMA synchronous = NORMAL");
    std::printf("stream %d tokens: commit per token %.1f ms, 250 ms batches %.1f ms (%.0fx less time)\n", tokens,
                per_token, batched, per_token / batched);
    std::printf("commit per token with synchronous=FULL: %.1f ms (%.1fx NORMAL)\n", per_token_full,
                per_token_full / per_token);

    auto start = Clock::now();
    std::string filler = " Some ordinary words about the topic at hand, repeated to make a realistic message.";
    for (int i = 0; i < conversations; ++i) {
      auto c = store.create_conversation({.title = std::string("Chat about ") + kWords[i % 16]});
      for (int m = 0; m < 10; ++m) {
        std::string text = std::string(kWords[(i + m) % 16]) + " question " + std::to_string(m);
        for (int k = 0; k < 4; ++k) text += filler;
        store.append_message(c.id, {.role = m % 2 ? Role::Assistant : Role::User, .content = text});
      }
    }
    std::printf("filled %d conversations x 10 messages in %.0f ms\n", conversations, ms_since(start));
  }
  std::printf("database size: %.1f MiB\n", static_cast<double>(fs::file_size(db)) / (1 << 20));

  auto start = Clock::now();
  { auto s = Store::open({.path = db, .verify = false}); }
  double open_plain = ms_since(start);
  start = Clock::now();
  auto store = Store::open({.path = db});
  double open_checked = ms_since(start);
  std::printf("open: %.1f ms without quick_check, %.1f ms with it (%.1fx)\n", open_plain, open_checked,
              open_checked / open_plain);

  start = Clock::now();
  auto list = store.list_conversations({.limit = 50});
  std::printf("list newest 50 conversations: %.2f ms\n", ms_since(start));
  start = Clock::now();
  auto path = store.active_path(list.front().id);
  std::printf("active path of one conversation (%zu messages): %.2f ms\n", path.size(), ms_since(start));

  for (const char* q : {"glacier", "question", "glac", "nonexistentword"}) {
    start = Clock::now();
    auto hits = search(store, {.text = q});
    std::printf("search \"%s\": %zu hits (first page) in %.2f ms\n", q, hits.size(), ms_since(start));
  }
  if (argc <= 2) fs::remove_all(dir);
  return 0;
}
