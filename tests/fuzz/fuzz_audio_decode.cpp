// libFuzzer harness for the audio entry point (tests/fuzz/run_audio.sh builds and runs
// it). The input is a whole file; decode_audio must return finite samples or throw
// vole::Error.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "audio/decode.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto audio = vole::audio::decode_audio({data, size}, "fuzz", 16000, vole::audio::DecodeLimits{120.0});
    for (float v : audio.samples)
      if (!std::isfinite(v)) __builtin_trap();
  } catch (const vole::Error&) {
  }
  return 0;
}
