#pragma once
// Dictation recordings kept with the message they became (the desktop's "Keep recordings"
// setting). The WAV bytes are a content-addressed file in the recordings folder beside
// the database ("<db folder>/recordings/<sha256>.wav", see memory/content_files.h, which
// images use too); the table message_recordings (schema v6) says which message was
// dictated from which file. Like images, a file is removed when no message references it
// any more: after the trash is emptied (Store::purge_deleted).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>

#include "memory/store.h"
#include "memory/types.h"

namespace vole::memory {

struct MessageRecording {
  std::string sha256;  // of the WAV file's bytes: its name in the recordings folder
  int64_t size_bytes = 0;
  int64_t duration_ms = 0;
  std::filesystem::path file;  // where the WAV is
};

std::filesystem::path recording_folder(Store& store);
std::filesystem::path recording_folder_for(const std::filesystem::path& database_path);

// Saves the WAV bytes and records them as the dictation of `message` (one per message: a
// second call replaces the first). Throws StoreError (ReadOnly, DiskFull, ...),
// InvalidArgument for empty bytes or bytes that are not a RIFF/WAVE file, NotFound for
// an unknown message; on failure nothing is attached.
MessageRecording attach_recording(Store& store, MessageId message, std::span<const uint8_t> wav, int64_t duration_ms);

std::optional<MessageRecording> message_recording(Store& store, MessageId message);
std::map<MessageId, MessageRecording> message_recordings(Store& store, std::span<const MessageId> messages);

// For engine/memory's own use, with the store locked: deletes recording files no message
// references (after a purge). Best effort.
void remove_unreferenced_recording_files(Store::Locked& locked, const std::filesystem::path& folder);

}  // namespace vole::memory
