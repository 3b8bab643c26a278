#pragma once
// Internal to engine/image: what every format decoder shares (the limits check, error
// messages, compositing on white) and the decoders decode.cpp dispatches to.
#include <cstdint>
#include <span>
#include <string>

#include "image/decode.h"

namespace vole::image::detail {

struct DecodeContext {
  std::span<const uint8_t> bytes;
  const std::string& label;
  const DecodeLimits& limits;
  const char* format;  // "PNG", ... for messages
};

// Refuses a zero or negative size (InvalidFile) and one beyond the limits (Unsupported).
void check_size(const DecodeContext& ctx, int64_t width, int64_t height);
// InvalidFile: "<label>: <format> file is damaged: <what>".
[[noreturn]] void fail_damaged(const DecodeContext& ctx, const std::string& what);
// Unsupported: "<label>: <what>".
[[noreturn]] void fail_unsupported(const DecodeContext& ctx, const std::string& what);

// One RGBA row (straight alpha) composited on white into an RGB row, rounding as
// Pillow's paste-with-mask does (exactly round(c*a/255 + 255*(255-a)/255)).
void composite_row_on_white(const uint8_t* rgba, int width, uint8_t* rgb);
// Whole RGBA image -> RGB over white.
RgbImage composite_on_white(const uint8_t* rgba, int width, int height);

DecodedImage decode_png(const DecodeContext& ctx);
DecodedImage decode_jpeg(const DecodeContext& ctx);
DecodedImage decode_webp(const DecodeContext& ctx);
DecodedImage decode_gif(const DecodeContext& ctx);
DecodedImage decode_bmp(const DecodeContext& ctx);

}  // namespace vole::image::detail
