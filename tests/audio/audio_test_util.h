#pragma once
// Helpers for the audio tests: test files made by sox and espeak-ng (installed by
// packaging/install-deps.sh), measurements of tones, expected errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "audio/audio.h"
#include "util/error.h"

namespace vole::test {

// Runs a shell command; the test fails (with the command and its output) if it does not
// exit 0. Returns what it printed.
std::string run_tool(const std::string& command);
// `sox ARGS` (and the same for espeak-ng), quoting nothing: callers pass safe paths.
void sox(const std::string& args);
void espeak(const std::filesystem::path& out_wav, const std::string& text);

std::vector<uint8_t> read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

// Frequency of a steady tone from its zero crossings (linearly interpolated between
// samples), skipping `skip_s` at both ends where filters ring in and out.
double tone_frequency(const std::vector<float>& x, int rate, double skip_s = 0.05);
double rms(const std::vector<float>& x, int64_t begin = 0, int64_t end = -1);

// Runs `f`, expecting a vole::Error with `code` whose message contains every needle.
template <class F>
::testing::AssertionResult fails_with(F&& f, ErrorCode code, const std::vector<std::string>& needles) {
  try {
    f();
  } catch (const Error& e) {
    std::string msg = e.what();
    if (e.code() != code)
      return ::testing::AssertionFailure()
             << "error code " << error_code_name(e.code()) << ", expected " << error_code_name(code) << ": " << msg;
    for (const auto& n : needles)
      if (msg.find(n) == std::string::npos) return ::testing::AssertionFailure() << "'" << n << "' not in: " << msg;
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no error";
}

}  // namespace vole::test
