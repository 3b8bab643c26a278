#include "memory/stream_writer.h"

#include "memory/write.h"

namespace vole::memory {

namespace {
// Length of the longest prefix of `text` that does not end inside a UTF-8 character.
// Token deltas can split a character; a batch must not, or a crash would leave a broken
// character at the end of the saved answer.
size_t complete_utf8_prefix(std::string_view text) {
  size_t n = text.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    unsigned char c = static_cast<unsigned char>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead byte
    size_t length = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return back < length ? n - back : n;
  }
  return n;  // not UTF-8 at all: nothing to protect
}
}  // namespace

StreamWriter::StreamWriter(Store& store, MessageId message, StreamOptions options)
    : store_(&store), message_(message), options_(std::move(options)) {
  auto m = store.message(message);
  if (!m) fail(ErrorCode::NotFound, "cannot stream into message " + std::to_string(message) + ": it does not exist");
  require(m->role == Role::Assistant && m->status == MessageStatus::Streaming,
          "cannot stream into message " + std::to_string(message) + ": it is a " + std::string(status_name(m->status)) +
              " " + std::string(role_name(m->role)) + " message, not a streaming answer");
  conversation_ = m->conversation_id;
  content_ = std::move(m->content);
  reasoning_ = std::move(m->reasoning);
  saved_content_ = content_.size();
  saved_reasoning_ = reasoning_.size();
  last_attempt_ = now();
}

StreamWriter::StreamWriter(StreamWriter&& other) noexcept
    : store_(other.store_),
      message_(other.message_),
      conversation_(other.conversation_),
      options_(std::move(other.options_)),
      content_(std::move(other.content_)),
      reasoning_(std::move(other.reasoning_)),
      saved_content_(other.saved_content_),
      saved_reasoning_(other.saved_reasoning_),
      last_attempt_(other.last_attempt_),
      last_error_(std::move(other.last_error_)),
      batches_(other.batches_),
      finished_(other.finished_) {
  other.finished_ = true;  // the moved-from writer owns nothing
}

StreamWriter::~StreamWriter() {
  if (finished_) return;
  try {
    finish(MessageStatus::Interrupted);
  } catch (...) {
    // Destructors must not throw; the answer stays 'streaming' and the next open marks
    // it interrupted, with everything committed so far.
  }
}

std::chrono::steady_clock::time_point StreamWriter::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

void StreamWriter::append_content(std::string_view delta) {
  require(!finished_, "cannot append to answer " + std::to_string(message_) + ": it is finished");
  content_ += delta;
  flush_if_due();
}

void StreamWriter::append_reasoning(std::string_view delta) {
  require(!finished_, "cannot append to answer " + std::to_string(message_) + ": it is finished");
  reasoning_ += delta;
  flush_if_due();
}

bool StreamWriter::flush_if_due() {
  if (finished_ || !has_complete_text() || now() - last_attempt_ < options_.flush_interval) return false;
  try {
    flush();
    return true;
  } catch (const StoreError&) {
    return false;  // kept in last_error_; the text stays pending for the next attempt
  }
}

void StreamWriter::flush() {
  require(!finished_, "cannot save answer " + std::to_string(message_) + ": it is finished");
  if (has_complete_text()) commit(std::nullopt, std::nullopt, std::nullopt);
}

void StreamWriter::finish(MessageStatus status, std::optional<MessageStats> stats, std::optional<std::string> error) {
  require(!finished_, "answer " + std::to_string(message_) + " is already finished");
  require(status != MessageStatus::Streaming, "an answer cannot finish as streaming");
  commit(status, stats, error);
  finished_ = true;
}

size_t StreamWriter::committable_content(bool final) const {
  return final ? content_.size() : saved_content_ + complete_utf8_prefix(std::string_view(content_).substr(saved_content_));
}

size_t StreamWriter::committable_reasoning(bool final) const {
  return final ? reasoning_.size()
               : saved_reasoning_ + complete_utf8_prefix(std::string_view(reasoning_).substr(saved_reasoning_));
}

bool StreamWriter::has_complete_text() const {
  return committable_content(false) > saved_content_ || committable_reasoning(false) > saved_reasoning_;
}

void StreamWriter::commit(const std::optional<MessageStatus>& final_status, const std::optional<MessageStats>& stats,
                          const std::optional<std::string>& error) {
  last_attempt_ = now();
  const bool final = final_status.has_value();
  const size_t content_end = committable_content(final), reasoning_end = committable_reasoning(final);
  auto l = store_->lock();
  try {
    Write w(l, "cannot save the answer");
    auto st = l.conn.prepare(
        "UPDATE messages SET content = content || ?2, reasoning = reasoning || ?3, "
        "status = coalesce(?4, status), stats_json = coalesce(?5, stats_json), error = coalesce(?6, error) "
        "WHERE id = ?1");
    st.bind(1, message_);
    st.bind(2, std::string_view(content_).substr(saved_content_, content_end - saved_content_));
    st.bind(3, std::string_view(reasoning_).substr(saved_reasoning_, reasoning_end - saved_reasoning_));
    if (final_status) st.bind(4, status_name(*final_status));
    if (stats) st.bind(5, stats_to_json(*stats));
    st.bind(6, error);
    st.run();
    if (l.conn.changes() == 0)
      fail(ErrorCode::NotFound, "cannot save answer " + std::to_string(message_) + ": it was deleted");
    if (final_status) {
      auto touch = l.conn.prepare("UPDATE conversations SET updated_at = ?2 WHERE id = ?1");
      touch.bind(1, conversation_).bind(2, l.now_ms).run();
    }
    w.commit();
  } catch (const StoreError& e) {
    last_error_ = e;
    throw;
  }
  saved_content_ = content_end;
  saved_reasoning_ = reasoning_end;
  last_error_.reset();
  ++batches_;
}

}  // namespace vole::memory
