// vole-bench-image: what an image costs before the vision tower. For generated
// 448x448, 1024x768 and 2048x2048 pictures (smooth gradients plus noise, like a photo),
// encoded here as JPEG (quality 90, 4:2:0) and PNG: decode time, then preprocessing for
// Qwen3.5 (smart_resize under the default 1024-token cap, antialiased bicubic resize,
// normalisation, patch layout and the image id) and the tokens the image becomes.
// Times are the median thread CPU time of --runs runs (one core), in milliseconds.
//   vole-bench-image [--runs N] [--json FILE]
#include <png.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
// clang-format off: jpeglib.h needs stdio.h first
#include <jpeglib.h>
// clang-format on

#include "image/decode.h"
#include "image/preprocess.h"
#include "report.h"

using namespace vole;

namespace {

double thread_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

template <typename F>
double median_ms(int runs, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    double start = thread_cpu_ms();
    f();
    t.push_back(thread_cpu_ms() - start);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

image::RgbImage photo_like(int w, int h) {
  image::RgbImage img = image::make_rgb_image(w, h);
  uint32_t s = 12345;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      s = s * 1664525u + 1013904223u;
      int noise = static_cast<int>(s >> 28) - 8;
      uint8_t* p = img.row(y) + 3 * x;
      p[0] = static_cast<uint8_t>(std::clamp(x * 255 / w + noise, 0, 255));
      p[1] = static_cast<uint8_t>(std::clamp(y * 255 / h + noise, 0, 255));
      p[2] = static_cast<uint8_t>(std::clamp(((x / 64 + y / 64) % 2 ? 180 : 60) + noise, 0, 255));
    }
  return img;
}

std::vector<uint8_t> encode_jpeg(const image::RgbImage& img) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = img.width, c.image_height = img.height, c.input_components = 3, c.in_color_space = JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 90, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(img.row(static_cast<int>(c.next_scanline)));
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<uint8_t> out(buf, buf + size);
  free(buf);
  return out;
}

void append_png(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

std::vector<uint8_t> encode_png(const image::RgbImage& img) {
  std::vector<uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, append_png, nullptr);
  png_set_IHDR(png, info, img.width, img.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < img.height; ++y) png_write_row(png, img.row(y));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else {
      std::fprintf(stderr, "usage: vole-bench-image [--runs N] [--json FILE]\n");
      return 2;
    }
  }
  // Qwen3.5's preprocessor_config.json (docs/specs/qwen3_5.md §7.1).
  auto config = image::parse_preprocessor_config(
      R"({"size": {"longest_edge": 16777216, "shortest_edge": 65536}, "patch_size": 16, "temporal_patch_size": 2,
          "merge_size": 2, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]})",
      "qwen3.5 preprocessor_config.json");
  bench::Table table({{"image", "image", -1},
                      {"jpeg_kb", "JPEG KB", 0},
                      {"jpeg_decode_ms", "JPEG decode ms", 2},
                      {"png_kb", "PNG KB", 0},
                      {"png_decode_ms", "PNG decode ms", 2},
                      {"resized", "resized to", -1},
                      {"tokens", "tokens", 0},
                      {"preprocess_ms", "preprocess ms", 2},
                      {"total_ms", "JPEG + preprocess ms", 2}});
  const int sizes[][2] = {{448, 448}, {1024, 768}, {2048, 2048}};
  for (const auto& s : sizes) {
    image::RgbImage img = photo_like(s[0], s[1]);
    auto jpeg = encode_jpeg(img), png = encode_png(img);
    double jpeg_ms = median_ms(runs, [&] { image::decode_image(jpeg, "bench.jpg"); });
    double png_ms = median_ms(runs, [&] { image::decode_image(png, "bench.png"); });
    image::RgbImage decoded = image::decode_image(jpeg, "bench.jpg").image;
    image::PreprocessedImage pre;
    double pre_ms = median_ms(runs, [&] { pre = image::preprocess_image(decoded, config); });
    table.add({std::to_string(s[0]) + "x" + std::to_string(s[1]), jpeg.size() / 1024.0, jpeg_ms, png.size() / 1024.0,
               png_ms, std::to_string(pre.resized_width) + "x" + std::to_string(pre.resized_height),
               static_cast<double>(pre.tokens), pre_ms, jpeg_ms + pre_ms});
  }
  std::printf("%s", table.text().c_str());
  std::printf("(median thread CPU time of %d runs, one core; Qwen3.5 preprocessing, 1024-token cap)\n", runs);
  if (!json_path.empty())
    bench::write_json(json_path, {{"benchmark", "image"}, {"runs", runs}, {"rows", table.json()}});
  return 0;
}
