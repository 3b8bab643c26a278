// Helper for test_crash.cpp: a Vole that is killed mid-answer. Opens the store at
// <database>, adds a conversation with a user message, then streams an assistant answer
// "w0 w1 w2 ..." forever through a normal StreamWriter until it is killed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "memory/store.h"
#include "memory/stream_writer.h"

using namespace vole::memory;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <database> <flush interval ms>\n", argv[0]);
    return 2;
  }
  try {
    OpenOptions options;
    options.path = argv[1];
    auto store = Store::open(options);
    auto conversation = store.create_conversation({.title = "crash test"});
    store.append_message(conversation.id, {.content = "please stream forever"});
    auto answer = store.begin_assistant(conversation.id);
    StreamWriter writer(store, answer.id, {.flush_interval = std::chrono::milliseconds(std::atoi(argv[2]))});
    for (uint64_t i = 0;; ++i) {
      writer.append_content("w" + std::to_string(i) + " ");
      if (i % 16 == 0) writer.append_reasoning("r" + std::to_string(i) + " ");
      ::usleep(50);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream_forever: %s\n", e.what());
    return 1;
  }
}
