#pragma once
// Full-text search over every live conversation: message text and titles, through the
// FTS5 indexes that schema v3 keeps in sync with triggers.
//
// Matching: the query is split into words; a hit must contain every word, each matched
// as a word prefix ("run" finds "running"), case- and accent-insensitively ("cafe" finds
// "Café"). Whatever the user types is quoted, so FTS5 syntax (AND, NEAR, *, ", :, ^...)
// is taken literally and can never cause a syntax error. Limits of SQLite's unicode61
// tokenizer: emoji and punctuation are not searchable, and scripts written without spaces
// (Chinese, Japanese) match only at the start of a run of characters.
//
// Answers still streaming are not searchable until they end.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memory/store.h"
#include "memory/types.h"

namespace vole::memory {

struct SearchQuery {
  std::string text;  // what the user typed
  int64_t limit = 50;
  int64_t offset = 0;
  // Put around each matched word in SearchHit::snippet. The defaults (STX/ETX control
  // characters) never occur in normal text: escape the snippet for display, then replace them.
  std::string highlight_begin = "\x02";
  std::string highlight_end = "\x03";
  int snippet_words = 12;  // length of message snippets, in words (1..64)
};

struct SearchHit {
  ConversationId conversation_id = 0;
  std::string conversation_title;
  // The matching message; nullopt when the title matched.
  std::optional<MessageId> message_id;
  std::optional<Role> role;
  int64_t time_ms = 0;  // the message's creation time, or the conversation's last activity for a title
  std::string snippet;  // matching part of the text with highlight markers; "…" marks cuts
};

// Newest first: messages by creation, titles by their conversation's last activity.
// Cost grows with offset + limit, not with the number of matches (a word found in every
// message of a 20,000-message database: about a millisecond per page, see bench/).
// An empty query (or one with no searchable words) returns nothing.
std::vector<SearchHit> search(Store& store, const SearchQuery& query);

// The FTS5 query for user input: each whitespace-separated word as a quoted prefix term
// ("word"*), inner quotes doubled; empty when there is nothing to search. At most 32 words.
std::string fts5_query(std::string_view user_input);

}  // namespace vole::memory
