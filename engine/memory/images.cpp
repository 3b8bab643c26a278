#include "memory/images.h"

#include <algorithm>

#include "memory/content_files.h"
#include "memory/sqlite.h"
#include "memory/write.h"
#include "util/error.h"

namespace vole::memory {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kExtensions[] = {"png", "jpg", "webp", "gif", "bmp"};

bool known_extension(std::string_view ext) { return std::ranges::find(kExtensions, ext) != std::end(kExtensions); }

MessageImage row_image(const sqlite::Statement& st, const fs::path& folder, int first_col) {
  MessageImage im;
  im.sha256 = st.text(first_col);
  im.extension = st.text(first_col + 1);
  im.size_bytes = st.int64(first_col + 2);
  im.file = folder / (im.sha256 + "." + im.extension);
  return im;
}

}  // namespace

std::string MessageImage::media_type() const { return "image/" + std::string(extension == "jpg" ? "jpeg" : extension); }

fs::path image_folder_for(const fs::path& database_path) { return content_folder_for(database_path, "images"); }

fs::path image_folder(Store& store) {
  return image_folder_for(store.in_memory() && store.path().empty() ? fs::path() : store.path());
}

std::vector<MessageImage> attach_images(Store& store, MessageId message, std::span<const NewImage> images) {
  for (const auto& im : images) {
    require(!im.bytes.empty(), "cannot attach an empty image");
    require(known_extension(im.extension),
            "cannot attach an image of type \"" + im.extension + "\": Vole stores PNG, JPEG, WebP, GIF and BMP images");
  }
  fs::path folder = image_folder(store);
  auto l = store.lock();
  Write w(l, "cannot save the message's images");
  if (!l.conn.prepare("SELECT 1 FROM messages WHERE id = ?1").bind(1, message).step())
    fail(ErrorCode::NotFound, "cannot attach images: message " + std::to_string(message) + " does not exist");
  int64_t position = 0;
  {
    auto st = l.conn.prepare("SELECT coalesce(max(position) + 1, 0) FROM message_images WHERE message_id = ?1");
    st.bind(1, message);
    if (st.step()) position = st.int64(0);
  }
  std::vector<MessageImage> out;
  for (const auto& im : images) {
    MessageImage saved{.sha256 = save_content_file(folder, im.bytes, im.extension),
                       .extension = im.extension,
                       .size_bytes = int64_t(im.bytes.size())};
    saved.file = folder / (saved.sha256 + "." + saved.extension);
    l.conn
        .prepare(
            "INSERT INTO message_images (message_id, position, sha256, extension, size_bytes) VALUES (?1, ?2, ?3, ?4, "
            "?5)")
        .bind(1, message)
        .bind(2, position++)
        .bind(3, saved.sha256)
        .bind(4, saved.extension)
        .bind(5, saved.size_bytes)
        .run();
    out.push_back(std::move(saved));
  }
  w.commit();
  return out;
}

std::map<MessageId, std::vector<MessageImage>> message_images(Store& store, std::span<const MessageId> messages) {
  fs::path folder = image_folder(store);
  auto l = store.lock();
  sqlite::Operation op(l.conn, "cannot read the message's images");
  std::map<MessageId, std::vector<MessageImage>> out;
  auto st = l.conn.prepare(
      "SELECT sha256, extension, size_bytes FROM message_images WHERE message_id = ?1 ORDER BY position");
  for (MessageId id : messages) {
    st.reset();
    st.bind(1, id);
    while (st.step()) out[id].push_back(row_image(st, folder, 0));
  }
  return out;
}

std::vector<MessageImage> message_images(Store& store, MessageId message) {
  auto all = message_images(store, std::span<const MessageId>(&message, 1));
  return all.empty() ? std::vector<MessageImage>{} : std::move(all.begin()->second);
}

void copy_message_images(Store::Locked& locked, MessageId from, MessageId to) {
  locked.conn
      .prepare(
          "INSERT INTO message_images (message_id, position, sha256, extension, size_bytes) "
          "SELECT ?2, position, sha256, extension, size_bytes FROM message_images WHERE message_id = ?1")
      .bind(1, from)
      .bind(2, to)
      .run();
}

void remove_unreferenced_image_files(Store::Locked& locked, const fs::path& folder) {
  remove_unreferenced_content_files(locked, folder, "SELECT DISTINCT sha256 FROM message_images", kExtensions);
}

}  // namespace vole::memory
