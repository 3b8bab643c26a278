#pragma once
// Finds the files of a collection's folders. Symbolic links are followed (people link their
// notes in), but every directory and file is visited once, by device and inode, so a link
// loop or two links to one file cannot repeat anything. Hidden entries (".git", ".cache") and
// anything that is not a regular file or directory (FIFOs, sockets, devices) are left out.
// Problems never stop the scan: a folder that cannot be listed (permission denied, removed
// while scanning) is reported with the reason and listed as unobserved, so the indexer keeps
// what it knows about the files under it instead of deleting them.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vole::knowledge {

struct FoundFile {
  std::filesystem::path path;  // absolute, as reached (through links, not resolved)
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

struct ScanProblem {
  std::filesystem::path path;
  std::string reason;
};

struct ScanResult {
  std::vector<FoundFile> files;  // sorted by path
  std::vector<ScanProblem> problems;
  std::vector<std::filesystem::path> unobserved;  // folders whose contents are unknown this time
};

struct ScanOptions {
  bool include_hidden = false;
  const std::atomic<bool>* cancel = nullptr;  // checked per directory; throws Error(Cancelled)
};

ScanResult scan_folders(const std::vector<std::filesystem::path>& roots, const ScanOptions& options = {});

// True when `path` is `folder` or lies under it (component-wise, not by string prefix).
bool is_within(const std::filesystem::path& path, const std::filesystem::path& folder);

}  // namespace vole::knowledge
