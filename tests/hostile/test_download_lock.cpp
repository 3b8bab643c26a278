// Issue 14.7: two downloads of one repo into one folder raced and one reported
// "downloaded 18446744073709551615 bytes". One download per model folder now: the
// second is told the first is running; the lock is free again once the first ends.
#include <gtest/gtest.h>

#include <memory>

#include "hub/download_lock.h"
#include "hub/failure.h"
#include "support/temp_dir.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

TEST(HostileDownload, OneDownloadPerModelFolder) {
  TempDir dir("vole-hostile-lock");
  auto folder = dir / "models" / "owner--name";
  auto first = std::make_unique<hub::DownloadLock>(folder, "owner/name");
  EXPECT_TRUE(std::filesystem::exists(hub::DownloadLock::path_for(folder)));
  try {
    hub::DownloadLock second(folder, "owner/name");
    FAIL() << "a second download of the same folder was allowed";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "owner/name is already being downloaded into " + folder.string() +
                                         " (by another Vole window or `vole pull`): wait for that download to finish");
    EXPECT_EQ(hub::failure_of(e), hub::Failure::InvalidInput);
  }
  // Another repo is another folder.
  hub::DownloadLock other(dir / "models" / "owner--other", "owner/other");
  first.reset();  // the first download ended
  EXPECT_NO_THROW(hub::DownloadLock again(folder, "owner/name"));
}
