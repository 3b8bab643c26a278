#pragma once
// Image files to 8-bit RGB: PNG (any bit depth, palette, grey, alpha), JPEG (grey, RGB,
// CMYK/YCCK, progressive; EXIF orientation applied), WebP (lossy, lossless, first frame
// of an animation), GIF (first frame) and BMP (uncompressed and bit-field variants).
// Alpha is composited on white.
//
// Files are untrusted (a user drops whatever they have). Before a single pixel is
// decoded, the size in the header is checked against DecodeLimits, so a decompression
// bomb costs nothing; files that are not images, truncated, zero-sized or corrupt are
// refused with a vole::Error (InvalidFile; Unsupported for a well-formed image beyond
// the limits or in a format Vole does not read) whose message names the file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "image/image.h"

namespace vole::image {

enum class ImageFormat { Png, Jpeg, WebP, Gif, Bmp };
const char* image_format_name(ImageFormat f);  // "PNG", "JPEG", ...

struct DecodeLimits {
  uint64_t max_pixels = 64ull << 20;  // width * height (64 MP: 8192 x 8192, a 48 MP photo fits)
  int max_side = 32768;               // either side, pixels
  uint64_t max_file_bytes = 256ull << 20;
};

struct DecodedImage {
  RgbImage image;  // upright (EXIF orientation applied), alpha composited on white
  ImageFormat format = ImageFormat::Png;
  bool had_alpha = false;    // the file carried transparency (alpha channel, tRNS, GIF transparent index)
  int exif_orientation = 1;  // 1..8 as the file declared it (JPEG only; 1 = none)
};

// The format the bytes start like, if any.
std::optional<ImageFormat> detect_image_format(std::span<const uint8_t> bytes);

// Decodes a whole file held in memory. `label` names it in errors.
DecodedImage decode_image(std::span<const uint8_t> bytes, const std::string& label, const DecodeLimits& limits = {});

// Reads and decodes a file (NotFound / Io for a missing or unreadable file).
DecodedImage load_image(const std::filesystem::path& path, const DecodeLimits& limits = {});

}  // namespace vole::image
