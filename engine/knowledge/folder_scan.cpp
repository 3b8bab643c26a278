#include "knowledge/folder_scan.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "util/error.h"

namespace vole::knowledge {

namespace fs = std::filesystem;

namespace {

using FileKey = std::pair<dev_t, ino_t>;

int64_t mtime_ns(const struct stat& st) { return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec; }

class Scanner {
 public:
  Scanner(const ScanOptions& options, ScanResult& result) : options_(options), result_(result) {}

  void root(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return problem(path, errno, "cannot open the folder", true);
    if (S_ISREG(st.st_mode)) return file(path, st);
    if (!S_ISDIR(st.st_mode)) return result_.problems.push_back({path, "not a folder or a regular file"});
    directory(path, st);
  }

 private:
  void problem(const fs::path& path, int err, const char* what, bool unobserved) {
    result_.problems.push_back({path, std::string(what) + ": " + std::strerror(err)});
    if (unobserved) result_.unobserved.push_back(path);
  }

  void file(const fs::path& path, const struct stat& st) {
    if (!seen_.insert({st.st_dev, st.st_ino}).second) return;  // the same file through another link
    result_.files.push_back({path, static_cast<uint64_t>(st.st_size), mtime_ns(st)});
  }

  void directory(const fs::path& dir, const struct stat& st) {
    if (!seen_.insert({st.st_dev, st.st_ino}).second) return;  // a link loop, or a folder reached twice
    if (options_.cancel && options_.cancel->load(std::memory_order_relaxed))
      fail(ErrorCode::Cancelled, "folder scan cancelled");
    DIR* d = ::opendir(dir.c_str());
    if (!d) return problem(dir, errno, "cannot list the folder", true);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (!options_.include_hidden && name[0] == '.') continue;
      names.push_back(std::move(name));
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) problem(dir, err, "cannot list the whole folder", true);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      fs::path child = dir / name;
      struct stat cst {};
      if (::stat(child.c_str(), &cst) != 0) {
        // Dangling links and entries removed since the listing are not problems worth reporting
        // one by one; anything else (permissions on the way) is.
        if (errno != ENOENT) problem(child, errno, "cannot inspect", true);
        continue;
      }
      if (S_ISDIR(cst.st_mode))
        directory(child, cst);
      else if (S_ISREG(cst.st_mode))
        file(child, cst);
    }
  }

  const ScanOptions& options_;
  ScanResult& result_;
  std::set<FileKey> seen_;
};

}  // namespace

ScanResult scan_folders(const std::vector<fs::path>& roots, const ScanOptions& options) {
  ScanResult result;
  Scanner scanner(options, result);
  for (const auto& root : roots) scanner.root(root);
  std::sort(result.files.begin(), result.files.end(),
            [](const FoundFile& a, const FoundFile& b) { return a.path < b.path; });
  return result;
}

bool is_within(const fs::path& path, const fs::path& folder) {
  fs::path f = folder.lexically_normal();
  if (!f.empty() && f.filename().empty()) f = f.parent_path();  // "notes/" -> "notes"
  fs::path rel = path.lexically_normal().lexically_relative(f);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace vole::knowledge
