#pragma once
// What an answer from a knowledge collection was given: its numbered sources (the file,
// where in it, a snippet and the passage itself), stored with the message so the sources
// list under the answer survives a restart and an export; and which collection a
// conversation asks (none by default). Schema v4 (migrations.h).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memory/store.h"

namespace vole::memory {

struct MessageSource {
  int number = 0;          // [number] in the answer, 1-based
  std::string collection;  // the collection's name when the answer was written
  std::string path;        // the file
  std::string label;       // "notes/setup.md, lines 10-24 (Guide > Install)"
  std::string snippet;     // one line
  std::string passage;     // the text the model was given
  uint32_t page_begin = 0, page_end = 0, line_begin = 0, line_end = 0;  // 0: not known

  bool operator==(const MessageSource&) const = default;
};

// Replaces the sources of `message` (an empty list removes them). Numbers must be positive
// and distinct (InvalidArgument); NotFound if the message does not exist.
void save_message_sources(Store& store, MessageId message, const std::vector<MessageSource>& sources);
std::vector<MessageSource> message_sources(Store& store, MessageId message);  // by number

// The collection a conversation answers from; nullopt (or "") for none.
void set_conversation_collection(Store& store, ConversationId conversation, std::optional<std::string_view> name);
std::optional<std::string> conversation_collection(Store& store, ConversationId conversation);

}  // namespace vole::memory
