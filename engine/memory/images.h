#pragma once
// Images attached to messages. The bytes live as content-addressed files in the image
// folder beside the database ("<db folder>/images/<sha256>.<ext>"; a temporary folder for
// an in-memory store), written once per content; the table message_images (schema v4)
// says which message shows which files in which order. A file is removed when no message
// references it any more: after the trash is emptied (Store::purge_deleted), which also
// sweeps files a crash left between writing the file and saving its row.
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "memory/store.h"
#include "memory/types.h"

namespace vole::memory {

struct MessageImage {
  std::string sha256;     // of the file's bytes (lower-case hex): its name in the image folder
  std::string extension;  // "png", "jpg", "webp", "gif" or "bmp"
  int64_t size_bytes = 0;
  std::filesystem::path file;      // where the bytes are
  std::string media_type() const;  // "image/png", ...
};

// An image to attach: its encoded bytes and the extension its format takes (the caller
// knows the format; the store refuses an extension outside the list above).
struct NewImage {
  std::span<const uint8_t> bytes;
  std::string extension;
};

// The folder the store keeps image files in.
std::filesystem::path image_folder(Store& store);

// Saves the images (each content once) and attaches them to `message` after the images it
// already has. Throws StoreError (ReadOnly, DiskFull, ...) or InvalidArgument for an
// unknown extension or an empty image; on failure nothing is attached.
std::vector<MessageImage> attach_images(Store& store, MessageId message, std::span<const NewImage> images);

// The images of one message, in order; of several messages, by message id (messages
// without images are absent).
std::vector<MessageImage> message_images(Store& store, MessageId message);
std::map<MessageId, std::vector<MessageImage>> message_images(Store& store, std::span<const MessageId> messages);

// For engine/memory's own use, with the store locked:
// "edit and resend" keeps the original's images on the edited message;
void copy_message_images(Store::Locked& locked, MessageId from, MessageId to);
// deletes the files in `folder` that no message references (after a purge). Best effort.
void remove_unreferenced_image_files(Store::Locked& locked, const std::filesystem::path& folder);
// the folder for a store at `database_path` (empty: in memory).
std::filesystem::path image_folder_for(const std::filesystem::path& database_path);

}  // namespace vole::memory
