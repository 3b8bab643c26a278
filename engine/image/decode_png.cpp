// PNG through libpng (the reference implementation, maintained in Debian): every colour
// type and bit depth is expanded to 8-bit RGB or RGBA. 16-bit samples keep their high
// byte (what Pillow does for 16-bit RGB), gamma chunks are ignored (as Pillow does).
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

#include "image/decoders.h"

namespace vole::image::detail {

namespace {

struct PngReader {
  std::span<const uint8_t> bytes;
  size_t offset = 0;
  char message[200] = {};  // libpng's error text, kept for our exception
};

void on_error(png_structp png, png_const_charp msg) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof(r->message), "%s", msg);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

void on_read(png_structp png, png_bytep out, png_size_t n) {
  auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (n > r->bytes.size() - r->offset) png_error(png, "the file ends early (truncated)");
  std::memcpy(out, r->bytes.data() + r->offset, n);
  r->offset += n;
}

// Every chunk's length must fit in what is left of the file. libpng allocates a text
// chunk's buffer from its length before reading it, so a 100-byte file could make it ask
// for 2 GB (found by tests/fuzz/run_image.sh); the lengths are checked here first.
void check_chunk_lengths(const DecodeContext& ctx) {
  const auto& b = ctx.bytes;
  for (size_t at = 8; at + 8 <= b.size();) {
    const uint32_t length = uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
    const std::string name(reinterpret_cast<const char*>(&b[at + 4]), 4);
    const size_t left = b.size() - at - 8;
    if (length > left)
      fail_damaged(ctx, "its " + name + " chunk claims " + std::to_string(length) + " bytes where " +
                            std::to_string(left) + " remain (truncated or damaged)");
    if (name == "IEND") return;
    at += 12 + length;  // length, type, data, CRC
  }
}

struct PngHandles {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngHandles() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

}  // namespace

DecodedImage decode_png(const DecodeContext& ctx) {
  check_chunk_lengths(ctx);
  PngReader reader{ctx.bytes};
  PngHandles h;
  h.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, on_error, on_warning);
  if (!h.png) fail_damaged(ctx, "libpng could not start");
  h.info = png_create_info_struct(h.png);
  if (!h.info) fail_damaged(ctx, "libpng could not start");
  png_set_read_fn(h.png, &reader, on_read);
  // libpng's own bounds (it checks IHDR against them) sit just above ours, so our check
  // below, with its clearer message, is what refuses a big image.
  png_set_user_limits(h.png, static_cast<png_uint_32>(ctx.limits.max_side) + 1,
                      static_cast<png_uint_32>(ctx.limits.max_side) + 1);
  png_set_chunk_malloc_max(h.png, 16u << 20);  // text / ICC chunks

  // Everything below may longjmp back here; the buffers live in `pixels` / `rows`, which
  // are constructed before setjmp and only resized after it.
  std::vector<uint8_t> pixels;
  std::vector<png_bytep> rows;
  volatile bool size_ok = false;
  volatile png_uint_32 width = 0, height = 0;
  volatile int channels = 0;
  volatile bool had_alpha = false;
  if (setjmp(png_jmpbuf(h.png))) {
    if (!size_ok && width && height) check_size(ctx, width, height);  // a clearer message for huge images
    fail_damaged(ctx, reader.message);
  }
  png_read_info(h.png, h.info);
  width = png_get_image_width(h.png, h.info);
  height = png_get_image_height(h.png, h.info);
  check_size(ctx, width, height);
  size_ok = true;

  int color_type = png_get_color_type(h.png, h.info);
  had_alpha = (color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(h.png, h.info, PNG_INFO_tRNS);
  png_set_expand(h.png);  // palette -> RGB, grey < 8 bits -> 8, tRNS -> alpha
  png_set_strip_16(h.png);
  png_set_gray_to_rgb(h.png);
  png_set_interlace_handling(h.png);
  png_read_update_info(h.png, h.info);
  channels = png_get_channels(h.png, h.info);
  if (channels != 3 && channels != 4) png_error(h.png, "unexpected channel count after expansion");

  size_t stride = static_cast<size_t>(width) * channels;
  pixels.resize(stride * height);
  rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = pixels.data() + y * stride;
  png_read_image(h.png, rows.data());
  // Not png_read_end: whatever follows the pixels (text, a missing IEND) cannot change them.

  DecodedImage out;
  out.format = ImageFormat::Png;
  out.had_alpha = had_alpha;
  if (channels == 4) {
    out.image = composite_on_white(pixels.data(), static_cast<int>(width), static_cast<int>(height));
  } else {
    out.image.width = static_cast<int>(width);
    out.image.height = static_cast<int>(height);
    out.image.pixels = std::move(pixels);
  }
  return out;
}

}  // namespace vole::image::detail
