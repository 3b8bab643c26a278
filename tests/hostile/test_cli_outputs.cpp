// Issue 14.1 replayed through the CLI: `vole logits --out` with a symlink, a FIFO,
// /dev/null, "-" and a folder, on a tiny generated checkpoint.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "hostile/process.h"
#include "support/model_fixture.h"
#include "util/file.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr int kVocab = 512;
constexpr size_t kLogitBytes = 3 * kVocab * 4;  // 3 tokens x vocab x f32

class HostileCliOutput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("vole-hostile-cli");
    model_ = new TinyModel(make_tiny_model(*dir_, "tiny-qwen3", CheckpointFormat::F32, kVocab));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete dir_;
  }
  static ProcessResult logits(const std::string& out) {
    return run_vole({"logits", "-m", model_->dir.string(), "--tokens", "1,2,3", "--weights", "f32", "--out", out});
  }
  static TempDir* dir_;
  static TinyModel* model_;
};
TempDir* HostileCliOutput::dir_ = nullptr;
TinyModel* HostileCliOutput::model_ = nullptr;

}  // namespace

TEST_F(HostileCliOutput, SymlinkKeepsItsLinkAndGetsTheLogits) {
  TempDir dir("vole-hostile");
  std::ofstream(dir / "target.bin") << "old";
  fs::create_symlink(dir / "target.bin", dir / "link.bin");
  auto r = logits((dir / "link.bin").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir / "link.bin"));
  EXPECT_EQ(fs::file_size(dir / "target.bin"), kLogitBytes);
}

TEST_F(HostileCliOutput, DevNullStaysADevice) {
  auto r = logits("/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::lstat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(HostileCliOutput, FifoReceivesTheLogits) {
  TempDir dir("vole-hostile");
  auto fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  size_t received = 0;
  std::thread reader([&] {
    int fd = ::open(fifo.c_str(), O_RDONLY);
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) received += static_cast<size_t>(n);
    ::close(fd);
  });
  auto r = logits(fifo.string());
  reader.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(received, kLogitBytes);
  EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST_F(HostileCliOutput, DashWritesTheLogitsToStdoutAndTheReportToStderr) {
  auto r = logits("-");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.size(), kLogitBytes);
  EXPECT_NE(r.err.find("top-5 of last position"), std::string::npos) << r.err;
}

TEST_F(HostileCliOutput, FolderIsRefusedWithExitCode1) {
  TempDir dir("vole-hostile");
  auto r = logits(dir.path().string());
  EXPECT_EQ(r.exit_code, 1);
  std::string want = "vole logits: invalid argument: cannot write to " + dir.path().string() + ": it is a folder\n";
  ASSERT_GE(r.err.size(), want.size()) << r.err;
  EXPECT_EQ(r.err.substr(r.err.size() - want.size()), want);  // the last line (a driver may warn before it)
  EXPECT_TRUE(fs::is_directory(dir.path()));
}
