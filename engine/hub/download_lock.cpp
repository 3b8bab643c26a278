#include "hub/download_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hub/failure.h"

namespace vole::hub {

std::filesystem::path DownloadLock::path_for(const std::filesystem::path& model_dir) {
  std::filesystem::path p = model_dir;
  if (!p.has_filename()) p = p.parent_path();
  return p.string() + ".download-lock";
}

DownloadLock::DownloadLock(const std::filesystem::path& model_dir, const std::string& repo) {
  auto path = path_for(model_dir);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_hub(Failure::Io, "cannot create the download lock " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    fail_hub(Failure::InvalidInput, repo + " is already being downloaded into " + model_dir.string() +
                                        " (by another Vole window or `vole pull`): wait for that download to finish");
  }
}

DownloadLock::~DownloadLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace vole::hub
