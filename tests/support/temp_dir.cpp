#include "support/temp_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <random>
#include <system_error>

namespace vole::test {

TempDir::TempDir(const std::string& prefix) {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = base / (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temp dir");
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("VOLE_KEEP_TEMP")) std::filesystem::remove_all(path_, ec);
}

static std::filesystem::path env_path(const char* var, const char* fallback) {
  const char* v = std::getenv(var);
  return v ? std::filesystem::path(v) : std::filesystem::path(fallback);
}

std::filesystem::path source_dir() { return env_path("VOLE_TEST_SOURCE_DIR", "."); }
std::filesystem::path binary_dir() { return env_path("VOLE_TEST_BINARY_DIR", "build"); }

}  // namespace vole::test
