#pragma once
// A fresh directory under the system temp dir, removed when the test ends.
#include <filesystem>
#include <string>

namespace vole::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "vole-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Repository root and build directory, passed to every test by ctest.
std::filesystem::path source_dir();
std::filesystem::path binary_dir();

}  // namespace vole::test
