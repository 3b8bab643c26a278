#include "memory/recordings.h"

#include <string_view>

#include "memory/content_files.h"
#include "memory/sqlite.h"
#include "memory/write.h"
#include "util/error.h"

namespace vole::memory {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kExtensions[] = {"wav"};

bool looks_like_wav(std::span<const uint8_t> b) {
  auto at = [&](size_t off, std::string_view tag) {
    return b.size() >= off + tag.size() && std::equal(tag.begin(), tag.end(), b.begin() + off);
  };
  return at(0, "RIFF") && at(8, "WAVE");
}

}  // namespace

fs::path recording_folder_for(const fs::path& database_path) { return content_folder_for(database_path, "recordings"); }

fs::path recording_folder(Store& store) {
  return recording_folder_for(store.in_memory() && store.path().empty() ? fs::path() : store.path());
}

MessageRecording attach_recording(Store& store, MessageId message, std::span<const uint8_t> wav, int64_t duration_ms) {
  require(!wav.empty(), "cannot keep an empty recording");
  require(looks_like_wav(wav), "cannot keep the recording: it is not a WAV file");
  require(duration_ms >= 0, "cannot keep a recording of negative length");
  fs::path folder = recording_folder(store);
  auto l = store.lock();
  Write w(l, "cannot keep the message's recording");
  if (!l.conn.prepare("SELECT 1 FROM messages WHERE id = ?1").bind(1, message).step())
    fail(ErrorCode::NotFound, "cannot keep the recording: message " + std::to_string(message) + " does not exist");
  MessageRecording saved{
      .sha256 = save_content_file(folder, wav, "wav"), .size_bytes = int64_t(wav.size()), .duration_ms = duration_ms};
  saved.file = folder / (saved.sha256 + ".wav");
  l.conn
      .prepare(
          "INSERT OR REPLACE INTO message_recordings (message_id, sha256, size_bytes, duration_ms) "
          "VALUES (?1, ?2, ?3, ?4)")
      .bind(1, message)
      .bind(2, saved.sha256)
      .bind(3, saved.size_bytes)
      .bind(4, saved.duration_ms)
      .run();
  w.commit();
  return saved;
}

std::map<MessageId, MessageRecording> message_recordings(Store& store, std::span<const MessageId> messages) {
  fs::path folder = recording_folder(store);
  auto l = store.lock();
  sqlite::Operation op(l.conn, "cannot read the message's recording");
  std::map<MessageId, MessageRecording> out;
  auto st = l.conn.prepare("SELECT sha256, size_bytes, duration_ms FROM message_recordings WHERE message_id = ?1");
  for (MessageId id : messages) {
    st.reset();
    st.bind(1, id);
    if (!st.step()) continue;
    MessageRecording r{.sha256 = st.text(0), .size_bytes = st.int64(1), .duration_ms = st.int64(2)};
    r.file = folder / (r.sha256 + ".wav");
    out.emplace(id, std::move(r));
  }
  return out;
}

std::optional<MessageRecording> message_recording(Store& store, MessageId message) {
  auto all = message_recordings(store, std::span<const MessageId>(&message, 1));
  if (all.empty()) return std::nullopt;
  return std::move(all.begin()->second);
}

void remove_unreferenced_recording_files(Store::Locked& locked, const fs::path& folder) {
  remove_unreferenced_content_files(locked, folder, "SELECT DISTINCT sha256 FROM message_recordings", kExtensions);
}

}  // namespace vole::memory
