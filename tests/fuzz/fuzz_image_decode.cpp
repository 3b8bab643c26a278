// libFuzzer harness for the image decoders (tests/fuzz/run_image.sh builds and runs it
// with clang, ASan and UBSan). Input: a whole file. It must decode to a consistent
// image or throw vole::Error.
#include <cstddef>
#include <cstdint>

#include "image/decode.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vole::image::DecodeLimits limits;
  limits.max_pixels = 1 << 22;  // big enough for real structure, small enough for speed
  try {
    auto img = vole::image::decode_image({data, size}, "fuzz", limits);
    if (img.image.width <= 0 || img.image.height <= 0 ||
        img.image.pixels.size() != static_cast<size_t>(img.image.width) * img.image.height * 3)
      __builtin_trap();
  } catch (const vole::Error&) {
  }
  return 0;
}
