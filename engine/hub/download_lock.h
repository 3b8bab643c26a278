#pragma once
// One download per model folder at a time, across threads and processes (two `vole pull`
// of one repo, the app and the CLI): an flock on "<folder>.download-lock" beside the
// folder, released when the download ends or its process dies. Two downloads writing the
// same partial files would corrupt each other's bytes.
#include <filesystem>
#include <string>

namespace vole::hub {

class DownloadLock {
 public:
  // Fails with Failure::InvalidInput ("... is already being downloaded into ...") when
  // another download holds the folder. The lock file stays empty (storage sums sizes).
  DownloadLock(const std::filesystem::path& model_dir, const std::string& repo);
  ~DownloadLock();
  DownloadLock(const DownloadLock&) = delete;
  DownloadLock& operator=(const DownloadLock&) = delete;

  static std::filesystem::path path_for(const std::filesystem::path& model_dir);

 private:
  int fd_ = -1;
};

}  // namespace vole::hub
