// Issue 14.1: every file Vole writes on a user's behalf goes through OutputFile, which
// replaces regular files atomically, writes through symlinks and into FIFOs and devices,
// and refuses folders. (Run as root, the old code replaced /dev/null itself.)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <thread>

#include "support/temp_dir.h"
#include "util/error.h"
#include "util/file.h"
#include "util/user_files.h"

using namespace vole;
using namespace vole::test;

namespace {

struct stat lstat_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

void put(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(HostileOutput, RegularFileIsReplacedAtomicallyKeepingItsPermissions) {
  TempDir dir("vole-hostile");
  auto p = dir / "out.bin";
  put(p, "old contents that are longer");
  ::chmod(p.c_str(), 0600);
  write_output_file(p, std::string_view("new"));
  EXPECT_EQ(read_text_file(p), "new");
  EXPECT_EQ(lstat_of(p).st_mode & 07777, 0600u);
  // No temp file is left beside it.
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir.path())) entries += e.path() != p;
  EXPECT_EQ(entries, 0);
}

TEST(HostileOutput, NewFileIsCreated) {
  TempDir dir("vole-hostile");
  write_output_file(dir / "fresh.txt", std::string_view("hello"));
  EXPECT_EQ(read_text_file(dir / "fresh.txt"), "hello");
}

TEST(HostileOutput, SymlinkIsWrittenThroughAndStaysALink) {
  TempDir dir("vole-hostile");
  fs::create_directory(dir / "elsewhere");
  auto target = dir / "elsewhere" / "real.bin";
  put(target, "old");
  fs::create_symlink("elsewhere/real.bin", dir / "link1");  // relative, resolved against its folder
  fs::create_symlink(dir / "link1", dir / "link2");         // a chain
  write_output_file(dir / "link2", std::string_view("through two links"));
  EXPECT_TRUE(S_ISLNK(lstat_of(dir / "link2").st_mode));
  EXPECT_TRUE(S_ISLNK(lstat_of(dir / "link1").st_mode));
  EXPECT_EQ(fs::read_symlink(dir / "link1"), "elsewhere/real.bin");
  EXPECT_EQ(read_text_file(target), "through two links");
}

TEST(HostileOutput, DanglingSymlinkCreatesItsTarget) {
  TempDir dir("vole-hostile");
  fs::create_symlink(dir / "not-yet.txt", dir / "link");
  write_output_file(dir / "link", std::string_view("made"));
  EXPECT_TRUE(S_ISLNK(lstat_of(dir / "link").st_mode));
  EXPECT_EQ(read_text_file(dir / "not-yet.txt"), "made");
}

TEST(HostileOutput, SymlinkLoopIsRefused) {
  TempDir dir("vole-hostile");
  fs::create_symlink(dir / "b", dir / "a");
  fs::create_symlink(dir / "a", dir / "b");
  std::string msg = error_of([&] { write_output_file(dir / "a", std::string_view("x")); });
  EXPECT_NE(msg.find("a loop of symbolic links"), std::string::npos) << msg;
  EXPECT_TRUE(S_ISLNK(lstat_of(dir / "a").st_mode));
  EXPECT_TRUE(S_ISLNK(lstat_of(dir / "b").st_mode));
}

TEST(HostileOutput, FifoIsWrittenInPlace) {
  TempDir dir("vole-hostile");
  auto fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  std::string received;
  std::thread reader([&] {
    int fd = ::open(fifo.c_str(), O_RDONLY);
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) received.append(buf, static_cast<size_t>(n));
    ::close(fd);
  });
  std::string payload(100000, 'z');  // more than a pipe buffer
  write_output_file(fifo, std::string_view(payload));
  reader.join();
  EXPECT_EQ(received, payload);
  EXPECT_TRUE(S_ISFIFO(lstat_of(fifo).st_mode)) << "the FIFO must not become a regular file";
}

TEST(HostileOutput, CharacterDeviceIsWrittenInPlace) {
  write_output_file("/dev/null", std::string_view("discarded"));
  EXPECT_TRUE(S_ISCHR(lstat_of("/dev/null").st_mode));
  // Through a symlink to the device, too.
  TempDir dir("vole-hostile");
  fs::create_symlink("/dev/null", dir / "null-link");
  write_output_file(dir / "null-link", std::string_view("discarded"));
  EXPECT_TRUE(S_ISLNK(lstat_of(dir / "null-link").st_mode));
  EXPECT_TRUE(S_ISCHR(lstat_of("/dev/null").st_mode));
}

TEST(HostileOutput, DashIsStandardOutput) {
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  std::fflush(stdout);
  int saved = ::dup(STDOUT_FILENO);
  ::dup2(pipefd[1], STDOUT_FILENO);
  write_output_file("-", std::string_view("to stdout"));
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(pipefd[1]);
  char buf[64] = {};
  ssize_t n = ::read(pipefd[0], buf, sizeof buf);
  ::close(pipefd[0]);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "to stdout");
  EXPECT_FALSE(fs::exists("-"));
}

TEST(HostileOutput, FolderIsRefusedAndLeftAlone) {
  TempDir dir("vole-hostile");
  fs::create_directory(dir / "d");
  put(dir / "d" / "keep.txt", "keep");
  std::string msg = error_of([&] { write_output_file(dir / "d", std::string_view("x")); });
  EXPECT_EQ(msg, "cannot write to " + (dir / "d").string() + ": it is a folder");
  EXPECT_TRUE(fs::is_directory(dir / "d"));
  EXPECT_EQ(read_text_file(dir / "d" / "keep.txt"), "keep");
  // A link to a folder names both.
  fs::create_symlink(dir / "d", dir / "dlink");
  msg = error_of([&] { write_output_file(dir / "dlink", std::string_view("x")); });
  EXPECT_EQ(msg, "cannot write to " + (dir / "dlink").string() + " (-> " + (dir / "d").string() + "): it is a folder");
}

TEST(HostileOutput, UncommittedWriteLeavesTheOldFile) {
  TempDir dir("vole-hostile");
  auto p = dir / "out.txt";
  put(p, "old");
  {
    OutputFile f(p);
    f.write(std::string_view("half of the new"));
  }  // destroyed without commit (an exception on the way)
  EXPECT_EQ(read_text_file(p), "old");
}
