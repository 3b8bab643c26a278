#include "image/image_test_util.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace vole::test {

std::vector<uint8_t> pattern_pixels(int width, int height, int channels, uint32_t seed) {
  std::vector<uint8_t> p(static_cast<size_t>(width) * height * channels);
  uint32_t state = seed * 2654435761u + 1;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* px = &p[(static_cast<size_t>(y) * width + x) * channels];
      state = state * 1664525u + 1013904223u;
      uint8_t noise = static_cast<uint8_t>(state >> 27);  // 0..31
      px[0] = static_cast<uint8_t>((x * 255) / std::max(1, width - 1));
      if (channels >= 3) {
        px[1] = static_cast<uint8_t>((y * 255) / std::max(1, height - 1));
        px[2] = static_cast<uint8_t>(((x / 4 + y / 4) % 2 ? 200 : 40) + noise);
      }
      if (channels == 4) px[3] = static_cast<uint8_t>((x + 3 * y) * 255 / std::max(1, width + 3 * height - 4));
    }
  return p;
}

image::RgbImage pattern_image(int width, int height, uint32_t seed) {
  image::RgbImage img;
  img.width = width;
  img.height = height;
  img.pixels = pattern_pixels(width, height, 3, seed);
  return img;
}

void run_command(const std::string& command) {
  std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run: " + command);
  std::string output;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) output.append(buf, n);
  int status = pclose(pipe);
  if (status != 0)
    throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command + "\n" + output);
}

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_with_convert(const std::vector<uint8_t>& pixels, int width, int height, int channels,
                        const std::string& options, const std::filesystem::path& output,
                        const std::string& output_prefix) {
  const char* raw = channels == 4 ? "rgba" : channels == 3 ? "rgb" : "gray";
  std::filesystem::path in = output.string() + ".raw";
  write_bytes(in, pixels);
  run_command("convert -size " + std::to_string(width) + "x" + std::to_string(height) + " -depth 8 " + raw + ":'" +
              in.string() + "' " + options + " '" + output_prefix + output.string() + "'");
  std::filesystem::remove(in);
}

image::RgbImage decode_with_convert(const std::filesystem::path& file, const std::string& options) {
  std::filesystem::path out = file.string() + ".decoded.rgba";
  std::filesystem::path size = file.string() + ".decoded.txt";
  // Frame [0] only, straight RGBA; composited on white here by the rule Vole documents
  // (ImageMagick's own flattening rounds differently).
  run_command("convert '" + file.string() + "[0]' " + options + " -depth 8 rgba:'" + out.string() + "'");
  run_command("convert '" + file.string() + "[0]' " + options + " -format '%w %h' info: > '" + size.string() + "'");
  int width = 0, height = 0;
  std::ifstream s(size);
  s >> width >> height;
  std::vector<uint8_t> rgba = read_bytes(out);
  std::filesystem::remove(out);
  std::filesystem::remove(size);
  if (rgba.size() != static_cast<size_t>(width) * height * 4)
    throw std::runtime_error("unexpected ImageMagick output size for " + file.string());
  return over_white(rgba, width, height);
}

int max_difference(const image::RgbImage& a, const image::RgbImage& b) {
  if (a.width != b.width || a.height != b.height || a.pixels.size() != b.pixels.size()) return -1;
  int worst = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) worst = std::max(worst, std::abs(a.pixels[i] - b.pixels[i]));
  return worst;
}

image::RgbImage over_white(const std::vector<uint8_t>& rgba, int width, int height) {
  image::RgbImage img = image::make_rgb_image(width, height);
  for (size_t i = 0; i < static_cast<size_t>(width) * height; ++i)
    for (int c = 0; c < 3; ++c) {
      // Written differently from the decoder on purpose: exact rational rounding.
      int num = rgba[4 * i + c] * rgba[4 * i + 3] + 255 * (255 - rgba[4 * i + 3]);
      img.pixels[3 * i + c] = static_cast<uint8_t>((2 * num + 255) / 510);
    }
  return img;
}

}  // namespace vole::test
