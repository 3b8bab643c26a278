// Dictation recordings kept with their message (memory/recordings.h) on a real SQLite
// file and a real recordings folder: reopen, shared content, trash and purge, export,
// bad input.
#include <nlohmann/json.hpp>

#include "memory/export.h"
#include "memory/memory_test.h"
#include "memory/recordings.h"
#include "util/error.h"
#include "util/file.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::file_bytes;
using vole::memory::memtest::StoreTest;

namespace {

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

// The store checks the RIFF/WAVE tags and never decodes the samples.
const std::vector<uint8_t> kHello = bytes_of(std::string_view("RIFF\x24\0\0\0WAVEfmt hello samples", 28));
const std::vector<uint8_t> kBye = bytes_of(std::string_view("RIFF\x24\0\0\0WAVEfmt bye samples", 26));

}  // namespace

TEST_F(StoreTest, RecordingIsKeptWithItsMessageAcrossReopen) {
  MessageId q = 0;
  {
    auto store = open();
    auto c = store.create_conversation({.title = "Dictated"});
    q = store.append_message(c.id, {.content = "hello there"}).id;
    auto saved = attach_recording(store, q, kHello, 1500);
    EXPECT_EQ(recording_folder(store), dir / "recordings");
    EXPECT_EQ(saved.file, dir / "recordings" / (saved.sha256 + ".wav"));
  }
  auto store = open();
  auto rec = message_recording(store, q);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(file_bytes(rec->file), std::string(kHello.begin(), kHello.end()));
  EXPECT_EQ(rec->size_bytes, int64_t(kHello.size()));
  EXPECT_EQ(rec->duration_ms, 1500);
  auto c = store.append_message(store.message(q)->conversation_id, {.role = Role::Assistant, .content = "hi"});
  EXPECT_FALSE(message_recording(store, c.id).has_value()) << "an answer has no recording";
}

TEST_F(StoreTest, PurgingDeletesRecordingFilesNoMessageReferences) {
  auto store = open();
  auto a = store.create_conversation({.title = "a"});
  auto b = store.create_conversation({.title = "b"});
  auto qa = store.append_message(a.id, {.content = "hello"});
  auto qa2 = store.append_message(a.id, {.content = "bye"});
  auto qb = store.append_message(b.id, {.content = "hello again"});
  auto hello = attach_recording(store, qa.id, kHello, 1000);
  auto bye = attach_recording(store, qa2.id, kBye, 800);
  attach_recording(store, qb.id, kHello, 1000);  // the same bytes: one file, two rows
  // The desktop's own unsent recordings (timestamped names) are not the store's to delete.
  write_file_atomic(dir / "recordings" / "voice-20261207-041500-000.wav", std::string("unsent"));

  store.soft_delete(a.id);
  EXPECT_TRUE(std::filesystem::exists(bye.file)) << "the trash can still be undone";
  EXPECT_EQ(store.purge_deleted(), 1);
  EXPECT_FALSE(std::filesystem::exists(bye.file)) << "only the purged conversation used it";
  EXPECT_TRUE(std::filesystem::exists(hello.file)) << "conversation b still refers to it";
  EXPECT_FALSE(message_recording(store, qa.id).has_value());

  store.soft_delete(b.id);
  EXPECT_EQ(store.purge_deleted(), 1);
  EXPECT_FALSE(std::filesystem::exists(hello.file));
  EXPECT_TRUE(std::filesystem::exists(dir / "recordings" / "voice-20261207-041500-000.wav"));
}

TEST_F(StoreTest, ExportMentionsTheRecording) {
  auto store = open();
  auto c = store.create_conversation({.title = "Dictated"});
  auto q = store.append_message(c.id, {.content = "hello there"});
  auto rec = attach_recording(store, q.id, kHello, 2500);
  store.append_message(c.id, {.role = Role::Assistant, .content = "Hi!"});

  auto doc = nlohmann::json::parse(export_json(store, c.id));
  const auto& r = doc["messages"][0]["recording"];
  EXPECT_EQ(r["file"], rec.sha256 + ".wav");
  EXPECT_EQ(r["sha256"], rec.sha256);
  EXPECT_EQ(r["size_bytes"], int64_t(kHello.size()));
  EXPECT_DOUBLE_EQ(r["duration_s"].get<double>(), 2.5);
  EXPECT_FALSE(doc["messages"][1].contains("recording"));

  std::string md = export_markdown(store, c.id);
  EXPECT_NE(md.find("hello there\n\n*Dictated · recording recordings/" + rec.sha256 + ".wav (2.5 s)*"),
            std::string::npos)
      << md;
}

TEST_F(StoreTest, BadRecordingsAreRefusedAndNothingIsKept) {
  auto store = open();
  auto c = store.create_conversation({});
  auto q = store.append_message(c.id, {.content = "hi"});
  EXPECT_THROW(attach_recording(store, q.id, std::span<const uint8_t>(), 0), Error);
  EXPECT_THROW(attach_recording(store, q.id, bytes_of("ID3 an mp3, not a wav"), 10), Error);
  EXPECT_THROW(attach_recording(store, q.id, kHello, -1), Error);
  EXPECT_THROW(attach_recording(store, 999, kHello, 10), Error);
  EXPECT_FALSE(message_recording(store, q.id).has_value());

  auto snapshot = Store::open({.path = db_path(), .mode = AccessMode::ReadOnly});
  try {
    attach_recording(snapshot, q.id, kHello, 10);
    FAIL() << "a read-only store kept a recording";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.problem(), StoreProblem::ReadOnly);
  }
  EXPECT_FALSE(message_recording(store, q.id).has_value());
}
