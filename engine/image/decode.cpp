#include "image/decode.h"

#include <cstring>

#include "image/decoders.h"
#include "util/error.h"
#include "util/file.h"

namespace vole::image {

namespace {

bool starts_with(std::span<const uint8_t> b, size_t at, const char* magic, size_t n) {
  return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

// Formats people may drop that Vole does not decode: named so the message helps.
const char* known_unsupported_format(std::span<const uint8_t> b) {
  if (starts_with(b, 0, "II*\0", 4) || starts_with(b, 0, "MM\0*", 4)) return "TIFF";
  if (starts_with(b, 4, "ftypavif", 8) || starts_with(b, 4, "ftypavis", 8)) return "AVIF";
  if (starts_with(b, 4, "ftyphei", 7) || starts_with(b, 4, "ftypmif1", 8) || starts_with(b, 4, "ftypmsf1", 8))
    return "HEIC/HEIF";
  if (starts_with(b, 0, "\xff\x0a", 2) || starts_with(b, 4, "JXL ", 4)) return "JPEG XL";
  if (starts_with(b, 4, "jP  ", 4) || starts_with(b, 0, "\xff\x4f\xff\x51", 4)) return "JPEG 2000";
  if (starts_with(b, 0, "%PDF", 4)) return "PDF";
  if (starts_with(b, 0, "8BPS", 4)) return "Photoshop (PSD)";
  if (starts_with(b, 0, "\0\0\1\0", 4)) return "ICO";
  return nullptr;
}

std::string hex_prefix(std::span<const uint8_t> b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < b.size() && i < 8; ++i) {
    if (i) s += ' ';
    s += digits[b[i] >> 4];
    s += digits[b[i] & 15];
  }
  return s.empty() ? "nothing" : s;
}

}  // namespace

const char* image_format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::Png:
      return "PNG";
    case ImageFormat::Jpeg:
      return "JPEG";
    case ImageFormat::WebP:
      return "WebP";
    case ImageFormat::Gif:
      return "GIF";
    case ImageFormat::Bmp:
      return "BMP";
  }
  return "?";
}

std::optional<ImageFormat> detect_image_format(std::span<const uint8_t> b) {
  if (starts_with(b, 0, "\x89PNG\r\n\x1a\n", 8)) return ImageFormat::Png;
  if (starts_with(b, 0, "\xff\xd8\xff", 3)) return ImageFormat::Jpeg;
  if (starts_with(b, 0, "RIFF", 4) && starts_with(b, 8, "WEBP", 4)) return ImageFormat::WebP;
  if (starts_with(b, 0, "GIF87a", 6) || starts_with(b, 0, "GIF89a", 6)) return ImageFormat::Gif;
  if (starts_with(b, 0, "BM", 2)) return ImageFormat::Bmp;
  return std::nullopt;
}

DecodedImage decode_image(std::span<const uint8_t> bytes, const std::string& label, const DecodeLimits& limits) {
  if (bytes.empty()) fail(ErrorCode::InvalidFile, label + ": the file is empty, not an image");
  if (bytes.size() > limits.max_file_bytes)
    fail(ErrorCode::Unsupported, label + ": the file is " + std::to_string(bytes.size() >> 20) + " MiB; images up to " +
                                     std::to_string(limits.max_file_bytes >> 20) + " MiB are read");
  auto format = detect_image_format(bytes);
  if (!format) {
    if (const char* other = known_unsupported_format(bytes))
      fail(ErrorCode::Unsupported,
           label + ": " + other + " images are not supported (use PNG, JPEG, WebP, GIF or BMP)");
    fail(ErrorCode::InvalidFile,
         label + ": not a PNG, JPEG, WebP, GIF or BMP image (it starts with " + hex_prefix(bytes) + ")");
  }
  detail::DecodeContext ctx{bytes, label, limits, image_format_name(*format)};
  switch (*format) {
    case ImageFormat::Png:
      return detail::decode_png(ctx);
    case ImageFormat::Jpeg:
      return detail::decode_jpeg(ctx);
    case ImageFormat::WebP:
      return detail::decode_webp(ctx);
    case ImageFormat::Gif:
      return detail::decode_gif(ctx);
    case ImageFormat::Bmp:
      return detail::decode_bmp(ctx);
  }
  fail(ErrorCode::Internal, label + ": unhandled image format");
}

DecodedImage load_image(const std::filesystem::path& path, const DecodeLimits& limits) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) fail(ErrorCode::NotFound, path.string() + ": no such image file");
  if (!std::filesystem::is_regular_file(status)) fail(ErrorCode::InvalidArgument, path.string() + ": not a file");
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > limits.max_file_bytes)
    fail(ErrorCode::Unsupported, path.string() + ": the file is " + std::to_string(size >> 20) + " MiB; images up to " +
                                     std::to_string(limits.max_file_bytes >> 20) + " MiB are read");
  if (!ec && size == 0) fail(ErrorCode::InvalidFile, path.string() + ": the file is empty, not an image");
  MappedFile map(path);
  return decode_image(map.bytes(), path.string(), limits);
}

namespace detail {

void check_size(const DecodeContext& ctx, int64_t width, int64_t height) {
  std::string dims = std::to_string(width) + " x " + std::to_string(height);
  if (width <= 0 || height <= 0)
    fail(ErrorCode::InvalidFile, ctx.label + ": " + ctx.format + " header declares a size of " + dims +
                                     " pixels (an image needs at least one pixel)");
  if (width > ctx.limits.max_side || height > ctx.limits.max_side ||
      static_cast<uint64_t>(width) * static_cast<uint64_t>(height) > ctx.limits.max_pixels)
    fail(ErrorCode::Unsupported, ctx.label + ": " + ctx.format + " image is " + dims + " pixels; the limit is " +
                                     std::to_string(ctx.limits.max_pixels / 1'000'000) + " megapixels and " +
                                     std::to_string(ctx.limits.max_side) + " pixels a side (refused before decoding)");
}

void fail_damaged(const DecodeContext& ctx, const std::string& what) {
  fail(ErrorCode::InvalidFile, ctx.label + ": " + ctx.format + " file is damaged: " + what);
}

void fail_unsupported(const DecodeContext& ctx, const std::string& what) {
  fail(ErrorCode::Unsupported, ctx.label + ": " + what);
}

void composite_row_on_white(const uint8_t* rgba, int width, uint8_t* rgb) {
  for (int x = 0; x < width; ++x, rgba += 4, rgb += 3) {
    uint32_t a = rgba[3];
    for (int c = 0; c < 3; ++c) {
      // Pillow's DIV255: t = v + 128; (t + (t >> 8)) >> 8 == round(v / 255) for v <= 255*255.
      uint32_t t = rgba[c] * a + 255u * (255u - a) + 128u;
      rgb[c] = static_cast<uint8_t>((t + (t >> 8)) >> 8);
    }
  }
}

RgbImage composite_on_white(const uint8_t* rgba, int width, int height) {
  RgbImage out = make_rgb_image(width, height);
  for (int y = 0; y < height; ++y) composite_row_on_white(rgba + static_cast<size_t>(y) * width * 4, width, out.row(y));
  return out;
}

}  // namespace detail

RgbImage make_rgb_image(int width, int height) {
  RgbImage img;
  img.width = width;
  img.height = height;
  img.pixels.assign(static_cast<size_t>(width) * static_cast<size_t>(height) * 3, 0);
  return img;
}

}  // namespace vole::image
