#pragma once
// The conversation data model: plain C++ values the store reads and writes.
// Times are milliseconds since the Unix epoch (UTC).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vole::memory {

using ConversationId = int64_t;
using MessageId = int64_t;

enum class Role { System, User, Assistant, Tool };

// complete: finished normally. streaming: a writer is appending to it right now.
// interrupted: its writer died (crash, kill, power loss); the partial text can be continued.
// error: generation failed (see Message::error). cancelled: the user pressed stop.
enum class MessageStatus { Complete, Streaming, Interrupted, Error, Cancelled };

// Names as stored in the database and used in exports ("user", "interrupted", ...).
std::string_view role_name(Role role);
std::string_view status_name(MessageStatus status);
Role role_from_name(std::string_view name);             // throws InvalidFile for unknown names
MessageStatus status_from_name(std::string_view name);  // throws InvalidFile for unknown names

// Generation statistics of one answer, stored as a JSON object. Absent fields stay unknown.
struct MessageStats {
  std::optional<int64_t> prompt_tokens;
  std::optional<int64_t> generated_tokens;
  std::optional<double> tokens_per_second;
  std::optional<double> time_to_first_token_ms;
  std::optional<std::string> model;  // the model that produced the answer
  std::optional<double> reasoning_ms;  // time spent thinking before the answer ("Thought for 4 s")
  bool operator==(const MessageStats&) const = default;
};

std::string stats_to_json(const MessageStats& stats);
MessageStats stats_from_json(std::string_view json);  // throws InvalidFile when malformed

struct Conversation {
  ConversationId id = 0;
  std::string title;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;  // last message activity; lists sort by it
  std::string model_id;
  std::optional<std::string> system_prompt;  // per-conversation override; nullopt: app default
  std::optional<std::string> sampling_json;  // per-conversation sampling overrides (JSON object)
  bool pinned = false;
  std::optional<int64_t> deleted_at_ms;      // set while in the trash (undo possible until purged)
  std::optional<MessageId> active_leaf_id;   // end of the branch the user is looking at
};

// A node of a conversation's message tree. Edits and regenerations add siblings; the
// active path runs from a root to the conversation's active leaf.
struct Message {
  MessageId id = 0;
  ConversationId conversation_id = 0;
  std::optional<MessageId> parent_id;  // nullopt for a root (first message, or an edit of it)
  Role role = Role::User;
  std::string content;
  std::string reasoning;  // the model's thinking, kept apart from the answer
  MessageStatus status = MessageStatus::Complete;
  std::optional<std::string> error;  // why generation failed (status error)
  int64_t created_at_ms = 0;
  std::optional<MessageStats> stats;
  // Position among the messages sharing this parent, oldest first ("2 / 3" in the UI).
  int sibling_index = 0;
  int sibling_count = 1;
};

// What the caller supplies to add a message.
struct NewMessage {
  Role role = Role::User;
  std::string content;
  std::string reasoning;
  MessageStatus status = MessageStatus::Complete;
  std::optional<std::string> error;
  std::optional<MessageStats> stats;
  // Parent in the tree; nullopt: the conversation's active leaf (append to what is shown).
  std::optional<MessageId> parent_id;
};

struct NewConversation {
  std::string title;
  std::string model_id;
  std::optional<std::string> system_prompt;
  std::optional<std::string> sampling_json;
};

}  // namespace vole::memory
