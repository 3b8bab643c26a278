#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"
#include "util/error.h"
#include "util/file.h"

using namespace vole;

TEST(File, AtomicWriteThenMap) {
  test::TempDir dir;
  auto p = dir / "a.bin";
  write_file_atomic(p, std::string("hello world"));
  MappedFile m(p);
  ASSERT_EQ(m.size(), 11u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(m.data()), m.size()), "hello world");
  write_file_atomic(p, std::string("bye"));
  EXPECT_EQ(read_text_file(p), "bye");
  // no temp files left behind
  int count = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) (void)e, ++count;
  EXPECT_EQ(count, 1);
}

TEST(File, MissingFileIsNotFound) {
  test::TempDir dir;
  try {
    MappedFile m(dir / "nope.bin");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find("nope.bin"), std::string::npos);
  }
}

TEST(File, AtomicWriteIntoMissingDirFails) {
  test::TempDir dir;
  EXPECT_THROW(write_file_atomic(dir / "no" / "such" / "file", std::string("x")), Error);
}

TEST(File, AtomicWriterStreamsAndAbandonsCleanly) {
  test::TempDir dir;
  auto p = dir / "s.bin";
  {
    AtomicFileWriter w(p);
    w.write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("xxxxworld"), 9));
    w.write_at(0, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("hell"), 4));
    EXPECT_EQ(w.size(), 9u);
    EXPECT_FALSE(std::filesystem::exists(p));  // not visible before commit
    w.commit();
  }
  EXPECT_EQ(read_text_file(p), "hellworld");
  {
    AtomicFileWriter w(p);
    w.write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("new"), 3));
    // destroyed without commit: the old file stays, the temp file goes
  }
  EXPECT_EQ(read_text_file(p), "hellworld");
  int count = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) (void)e, ++count;
  EXPECT_EQ(count, 1);
}
