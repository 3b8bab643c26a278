#pragma once
// Decoded pictures as the rest of Vole sees them: 8-bit RGB, row-major, interleaved.
// Every decoder (decode.h) produces one, and preprocessing (preprocess.h) consumes one.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vole::image {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3 bytes: R, G, B per pixel, rows top to bottom

  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * width * 3; }
  const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * width * 3; }
  const uint8_t* at(int x, int y) const { return row(y) + static_cast<size_t>(x) * 3; }
};

// An image of the given size with every byte zero (black).
RgbImage make_rgb_image(int width, int height);

}  // namespace vole::image
