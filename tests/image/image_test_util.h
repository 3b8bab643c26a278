#pragma once
// Test images: deterministic RGB(A) patterns, files written by ImageMagick's `convert`
// (an independent encoder, installed with the test dependencies), and an ImageMagick
// decode of a file to compare Vole's decoders with.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "image/image.h"

namespace vole::test {

// Pixels of a width x height pattern with `channels` (3 or 4) bytes each: smooth ramps,
// hard edges and, with 4 channels, alpha from 0 to 255.
std::vector<uint8_t> pattern_pixels(int width, int height, int channels, uint32_t seed = 1);
image::RgbImage pattern_image(int width, int height, uint32_t seed = 1);

// Writes raw pixels (8-bit, `channels` 3 = RGB / 4 = RGBA / 1 = grey) to `path` with
// `convert`, `options` placed before the output name (e.g. "-quality 95"). The output
// format comes from the path's extension or a "png8:"-style prefix in `output`.
void write_with_convert(const std::vector<uint8_t>& pixels, int width, int height, int channels,
                        const std::string& options, const std::filesystem::path& output,
                        const std::string& output_prefix = "");

// ImageMagick's decode of `file` (with `options`, e.g. "-auto-orient"), its first frame
// as straight RGBA composited on white with over_white().
image::RgbImage decode_with_convert(const std::filesystem::path& file, const std::string& options = "");

std::vector<uint8_t> read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

// Runs a shell command; throws with its output if it fails.
void run_command(const std::string& command);

// Largest per-byte difference of two same-sized images (-1 if the sizes differ).
int max_difference(const image::RgbImage& a, const image::RgbImage& b);

// RGBA pixels composited on white (the rule the decoders apply).
image::RgbImage over_white(const std::vector<uint8_t>& rgba, int width, int height);

}  // namespace vole::test
