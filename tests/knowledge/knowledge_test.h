#pragma once
// Shared helpers of the knowledge tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "knowledge/extract.h"
#include "knowledge/types.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace vole::knowledge::test {

// AddressSanitizer keeps freed memory in quarantine: resident-size bounds do not apply.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

std::vector<TextBlock> blocks_of(const std::filesystem::path& path, DocumentFormat format,
                                 const ExtractLimits& limits = {});
std::string read_file(const std::filesystem::path& path);
// The fixture folder tests/fixtures/knowledge.
std::filesystem::path fixtures();

// Runs `f` and returns the vole::Error it throws (fails the test if none).
template <class F>
std::string error_of(F&& f, ErrorCode* code = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  ADD_FAILURE() << "expected a vole::Error";
  return {};
}

}  // namespace vole::knowledge::test
