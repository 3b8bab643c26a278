// Images attached to messages (memory/images.h) on a real SQLite file and a real image
// folder: content addressing, order, reopen, edit, trash and purge, export, bad input.
#include <nlohmann/json.hpp>

#include "memory/export.h"
#include "memory/images.h"
#include "memory/memory_test.h"
#include "util/error.h"
#include "util/file.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::file_bytes;
using vole::memory::memtest::StoreTest;

namespace {

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

// The store never decodes images; distinct byte strings stand for distinct pictures.
const std::vector<uint8_t> kCat = bytes_of("\x89PNG\r\n\x1a\n cat picture");
const std::vector<uint8_t> kDog = bytes_of("\xff\xd8\xff dog picture");

size_t files_in(const std::filesystem::path& folder) {
  if (!std::filesystem::exists(folder)) return 0;
  return std::distance(std::filesystem::directory_iterator(folder), std::filesystem::directory_iterator());
}

std::string base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) break;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

TEST_F(StoreTest, ImagesAreStoredOncePerContentAndReadBackAfterReopen) {
  MessageId first = 0, second = 0;
  {
    auto store = open();
    auto c = store.create_conversation({.title = "Pets"});
    first = store.append_message(c.id, {.content = "What animals?"}).id;
    second = store.append_message(c.id, {.content = "And this one?"}).id;
    NewImage both[] = {{kCat, "png"}, {kDog, "jpg"}};
    auto saved = attach_images(store, first, both);
    ASSERT_EQ(saved.size(), 2u);
    NewImage again[] = {{kCat, "png"}};
    attach_images(store, second, again);
    EXPECT_EQ(image_folder(store), dir / "images");
    EXPECT_EQ(files_in(dir / "images"), 2u) << "the same picture twice is one file";
  }
  auto store = open();
  auto images = message_images(store, first);
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].extension, "png");
  EXPECT_EQ(images[0].media_type(), "image/png");
  EXPECT_EQ(images[1].media_type(), "image/jpeg");
  EXPECT_EQ(file_bytes(images[0].file), std::string(kCat.begin(), kCat.end()));
  EXPECT_EQ(file_bytes(images[1].file), std::string(kDog.begin(), kDog.end()));
  EXPECT_EQ(images[0].size_bytes, int64_t(kCat.size()));
  ASSERT_EQ(message_images(store, second).size(), 1u);
  EXPECT_EQ(message_images(store, second)[0].sha256, images[0].sha256);
  // Attaching more appends after the existing ones.
  NewImage more[] = {{kDog, "jpg"}};
  attach_images(store, second, more);
  auto now = message_images(store, second);
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[1].sha256, images[1].sha256);
}

TEST_F(StoreTest, EditedMessageKeepsItsImages) {
  auto store = open();
  auto c = store.create_conversation({});
  auto q = store.append_message(c.id, {.content = "What is this?"});
  NewImage im[] = {{kCat, "png"}};
  attach_images(store, q.id, im);
  auto edited = store.edit_user_message(q.id, "What animal is this?");
  auto images = message_images(store, edited.id);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(file_bytes(images[0].file), std::string(kCat.begin(), kCat.end()));
}

TEST_F(StoreTest, PurgingDeletesImageFilesNoMessageReferences) {
  auto store = open();
  auto a = store.create_conversation({.title = "a"});
  auto b = store.create_conversation({.title = "b"});
  auto qa = store.append_message(a.id, {.content = "cat and dog"});
  auto qb = store.append_message(b.id, {.content = "cat"});
  NewImage in_a[] = {{kCat, "png"}, {kDog, "jpg"}};
  NewImage in_b[] = {{kCat, "png"}};
  auto saved = attach_images(store, qa.id, in_a);
  attach_images(store, qb.id, in_b);
  // A file that is not Vole's stays whatever happens.
  write_file_atomic(dir / "images" / "notes.txt", std::string("mine"));

  store.soft_delete(a.id);
  EXPECT_EQ(store.purge_deleted(0), 0);  // nothing old enough
  EXPECT_TRUE(std::filesystem::exists(saved[1].file)) << "the trash can still be undone";
  EXPECT_EQ(store.purge_deleted(), 1);
  EXPECT_FALSE(std::filesystem::exists(saved[1].file)) << "the dog was only in the purged conversation";
  EXPECT_TRUE(std::filesystem::exists(saved[0].file)) << "conversation b still shows the cat";
  EXPECT_TRUE(message_images(store, qa.id).empty());

  store.soft_delete(b.id);
  EXPECT_EQ(store.purge_deleted(), 1);
  EXPECT_FALSE(std::filesystem::exists(saved[0].file));
  EXPECT_TRUE(std::filesystem::exists(dir / "images" / "notes.txt"));
}

TEST_F(StoreTest, BadImagesAreRefusedAndNothingIsAttached) {
  auto store = open();
  auto c = store.create_conversation({});
  auto q = store.append_message(c.id, {.content = "hi"});
  NewImage good_then_bad[] = {{kCat, "png"}, {kDog, "tiff"}};
  EXPECT_THROW(attach_images(store, q.id, good_then_bad), Error);
  NewImage empty[] = {{std::span<const uint8_t>(), "png"}};
  EXPECT_THROW(attach_images(store, q.id, empty), Error);
  NewImage path_like[] = {{kCat, "../png"}};
  EXPECT_THROW(attach_images(store, q.id, path_like), Error);
  NewImage good[] = {{kCat, "png"}};
  EXPECT_THROW(attach_images(store, 999, good), Error);
  EXPECT_TRUE(message_images(store, q.id).empty());
  EXPECT_EQ(files_in(dir / "images"), 0u);

  auto snapshot = Store::open({.path = db_path(), .mode = AccessMode::ReadOnly});
  try {
    attach_images(snapshot, q.id, good);
    FAIL() << "a read-only store took an image";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.problem(), StoreProblem::ReadOnly);
  }
}

TEST_F(StoreTest, ExportCarriesTheImages) {
  auto store = open();
  auto c = store.create_conversation({.title = "Pets"});
  auto q = store.append_message(c.id, {.content = "What is this?"});
  NewImage im[] = {{kCat, "png"}, {kDog, "jpg"}};
  attach_images(store, q.id, im);
  store.append_message(c.id, {.role = Role::Assistant, .content = "A cat and a dog."});

  auto doc = nlohmann::json::parse(export_json(store, c.id));
  const auto& images = doc["messages"][0]["images"];
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0]["media_type"], "image/png");
  EXPECT_EQ(base64_decode(images[0]["data"].get<std::string>()), std::string(kCat.begin(), kCat.end()));
  EXPECT_EQ(base64_decode(images[1]["data"].get<std::string>()), std::string(kDog.begin(), kDog.end()));
  EXPECT_FALSE(doc["messages"][1].contains("images"));

  std::string md = export_markdown(store, c.id);
  EXPECT_NE(md.find("What is this?\n\n![image 1](data:image/png;base64,"), std::string::npos) << md;
  EXPECT_NE(md.find("![image 2](data:image/jpeg;base64,"), std::string::npos);

  // A missing file is an error naming it, not a silently incomplete export.
  std::filesystem::remove(message_images(store, q.id)[1].file);
  EXPECT_THROW(export_json(store, c.id), Error);
}
