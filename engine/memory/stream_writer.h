#pragma once
// Saves an assistant answer while it streams. Text deltas are buffered and committed in
// one transaction at most every flush_interval (250 ms by default) and on finish, so a
// crash or kill -9 mid-answer loses at most the last batch; the next Store::open marks
// the half-written answer interrupted (Store::resume continues it).
//
// The writer never throws from append_* because the disk is full or the database is
// locked: it keeps everything unsaved in memory, reports the failure in last_error(),
// and retries at the next interval. flush() and finish() do throw (StoreError) and keep
// the buffer, so they can simply be called again once the problem is fixed.
//
// Batches are committed when a delta arrives and the interval has passed. If deltas stop
// for a while (a slow tool call), call flush_if_due() from a timer to bound the delay.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "memory/store.h"

namespace vole::memory {

struct StreamOptions {
  std::chrono::milliseconds flush_interval{250};
  // Monotonic clock deciding when a batch is due. Empty: std::chrono::steady_clock.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

class StreamWriter {
 public:
  // Writes into `message`: an assistant message with status streaming, as made by
  // Store::begin_assistant, regenerate or resume (its existing text is kept). `store` must
  // outlive the writer and stay where it is (not be moved from). Throws
  // InvalidArgument/NotFound for any other message.
  StreamWriter(Store& store, MessageId message, StreamOptions options = {});
  // An unfinished writer saves what it has and marks the answer interrupted (best effort).
  ~StreamWriter();
  StreamWriter(StreamWriter&& other) noexcept;
  StreamWriter& operator=(StreamWriter&&) = delete;
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;

  void append_content(std::string_view delta);
  void append_reasoning(std::string_view delta);

  // Commits the pending batch if the interval has passed since the last attempt. Returns
  // whether something was committed; a failure is kept in last_error(), not thrown.
  bool flush_if_due();
  // Commits the pending batch now. Throws StoreError; nothing is lost on failure. A
  // character split between deltas stays pending until it is complete (batches never end
  // inside a UTF-8 character, so an interrupted answer is always valid text).
  void flush();
  // Commits the rest together with the final status (not streaming), stats and error text.
  // Throws StoreError and stays unfinished on failure, so it can be called again.
  void finish(MessageStatus status = MessageStatus::Complete, std::optional<MessageStats> stats = std::nullopt,
              std::optional<std::string> error = std::nullopt);

  MessageId message_id() const { return message_; }
  ConversationId conversation_id() const { return conversation_; }
  // The whole answer so far, saved and pending (what the UI shows).
  const std::string& content() const { return content_; }
  const std::string& reasoning() const { return reasoning_; }
  size_t pending_bytes() const { return content_.size() - saved_content_ + reasoning_.size() - saved_reasoning_; }
  // What the database holds so far (the committed prefix of content() and reasoning()).
  std::string_view saved_content() const { return std::string_view(content_).substr(0, saved_content_); }
  std::string_view saved_reasoning() const { return std::string_view(reasoning_).substr(0, saved_reasoning_); }
  // The most recent failed save, cleared by the next successful one.
  const std::optional<StoreError>& last_error() const { return last_error_; }
  bool finished() const { return finished_; }
  int64_t batches_committed() const { return batches_; }

 private:
  std::chrono::steady_clock::time_point now() const;
  // Where the next commit ends: everything when final, else the last whole character.
  size_t committable_content(bool final) const;
  size_t committable_reasoning(bool final) const;
  bool has_complete_text() const;
  // One transaction: the pending text, and the final state when `final_status` is set.
  void commit(const std::optional<MessageStatus>& final_status, const std::optional<MessageStats>& stats,
              const std::optional<std::string>& error);

  Store* store_;
  MessageId message_;
  ConversationId conversation_ = 0;
  StreamOptions options_;
  std::string content_;
  std::string reasoning_;
  size_t saved_content_ = 0;
  size_t saved_reasoning_ = 0;
  std::chrono::steady_clock::time_point last_attempt_;
  std::optional<StoreError> last_error_;
  int64_t batches_ = 0;
  bool finished_ = false;
};

}  // namespace vole::memory
