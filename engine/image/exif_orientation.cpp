#include "image/exif_orientation.h"

#include <cstring>

namespace vole::image {

namespace {

// Reads little- or big-endian integers from a bounded span; out-of-range reads report
// failure instead of reading.
struct TiffReader {
  std::span<const uint8_t> b;
  bool little = true;
  bool u16(size_t at, uint32_t& v) const {
    if (at > b.size() || b.size() - at < 2) return false;
    v = little ? (b[at] | b[at + 1] << 8) : (b[at] << 8 | b[at + 1]);
    return true;
  }
  bool u32(size_t at, uint32_t& v) const {
    if (at > b.size() || b.size() - at < 4) return false;
    v = little ? (b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<uint32_t>(b[at + 3]) << 24)
               : (static_cast<uint32_t>(b[at]) << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3]);
    return true;
  }
};

constexpr uint32_t kOrientationTag = 0x0112;
constexpr uint32_t kTypeShort = 3;

}  // namespace

int exif_orientation(std::span<const uint8_t> payload) {
  if (payload.size() < 6 || std::memcmp(payload.data(), "Exif\0\0", 6) != 0) return 1;
  TiffReader r{payload.subspan(6)};
  if (r.b.size() < 8) return 1;
  if (r.b[0] == 'I' && r.b[1] == 'I') {
    r.little = true;
  } else if (r.b[0] == 'M' && r.b[1] == 'M') {
    r.little = false;
  } else {
    return 1;
  }
  uint32_t magic = 0, ifd = 0, count = 0;
  if (!r.u16(2, magic) || magic != 42 || !r.u32(4, ifd) || !r.u16(ifd, count)) return 1;
  for (uint32_t i = 0; i < count; ++i) {
    size_t entry = static_cast<size_t>(ifd) + 2 + 12 * static_cast<size_t>(i);
    uint32_t tag = 0, type = 0, n = 0, value = 0;
    if (!r.u16(entry, tag) || !r.u16(entry + 2, type) || !r.u32(entry + 4, n) || !r.u16(entry + 8, value)) return 1;
    if (tag != kOrientationTag) continue;
    if (type != kTypeShort || n != 1 || value < 1 || value > 8) return 1;
    return static_cast<int>(value);
  }
  return 1;
}

RgbImage apply_exif_orientation(RgbImage src, int orientation) {
  if (orientation < 2 || orientation > 8) return src;
  const int w = src.width, h = src.height;
  const bool swap = orientation >= 5;
  RgbImage out = make_rgb_image(swap ? h : w, swap ? w : h);
  for (int y = 0; y < out.height; ++y) {
    uint8_t* dst = out.row(y);
    for (int x = 0; x < out.width; ++x, dst += 3) {
      int sx = x, sy = y;  // the source pixel shown at (x, y)
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          break;
        case 3:
          sx = w - 1 - x, sy = h - 1 - y;
          break;
        case 4:
          sy = h - 1 - y;
          break;
        case 5:
          sx = y, sy = x;
          break;
        case 6:
          sx = y, sy = h - 1 - x;
          break;
        case 7:
          sx = w - 1 - y, sy = h - 1 - x;
          break;
        case 8:
          sx = w - 1 - y, sy = x;
          break;
      }
      std::memcpy(dst, src.at(sx, sy), 3);
    }
  }
  return out;
}

}  // namespace vole::image
