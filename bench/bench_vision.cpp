// vole-bench-vision: Qwen3.5's vision tower on the GPU. A generated checkpoint with the
// real 0.8B tower (12 blocks, hidden 768, 12 heads, MLP 3072, 48 x 48 position table;
// random weights, a tiny text model beside it, so out_hidden is 128 instead of 1024:
// one merger matmul is smaller than in the real model) is loaded as Vole loads it for
// an image (f16 by default). Per image size: preprocessing (one core), encode wall time
// (median of --runs) with the graph recorded every time and with the cached graph
// re-used (the re-encode speed-up), the cost of submitting the cached graph in parts of
// a few blocks (so Stop is heard mid-encode) against one submission, the tokens, GPU time per kernel label from a
// profiled run, and the ViT's matmul GFLOP/s against a text prefill matmul of Qwen3.5-0.8B's shape (512 x 1024 -> 3584,
// the MLP up projection, same weight format) in the same run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "arch/families.h"
#include "arch/qwen3_5/vision.h"
#include "cli/args.h"
#include "gpu/timing.h"
#include "image/preprocess.h"
#include "model/model_folder.h"
#include "ops/linear.h"
#include "ops/weight.h"
#include "report.h"
#include "runtime/vision.h"
#include "support/checkpoint_writer.h"
#include "util/error.h"
#include "util/half.h"

using namespace vole;

namespace {

constexpr const char* kUsage = R"(usage: vole-bench-vision [options]
  --device NAME      Vulkan device (index or part of the name; default: the best one)
  --sizes WxH,...    input images (default 448x448,1024x768,2048x2048)
  --runs N           timed encodes per size; the median is reported (default 3)
  --weights F        the tower's matrices: f16 (default), q4, f32
  --max-tokens N     the per-image token cap (default 1024, Vole's default)
  --dir DIR          where to write the generated checkpoint (default: a folder in /tmp)
  --json             print JSON instead of tables
)";

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

image::RgbImage pattern(int w, int h) {
  image::RgbImage im{w, h, std::vector<uint8_t>(static_cast<size_t>(w) * h * 3)};
  for (size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = static_cast<uint8_t>((i * 2654435761u) >> 24);
  return im;
}

double matmul_us(const gpu::Profile& p) {
  double us = 0;
  for (const auto& k : p.kernels)
    if (k.label.starts_with("matmul")) us += k.total_us;
  return us;
}

// The text prefill matmul: 512 tokens x 1024 -> 3584, GFLOP/s.
double text_matmul_gflops(gpu::Context& ctx, model::Format format, int runs) {
  const int64_t T = 512, K = 1024, N = 3584;
  DType dtype = format == model::Format::F32 ? DType::F32 : DType::F16;
  std::vector<uint16_t> h(N * K);
  std::vector<float> f(dtype == DType::F32 ? N * K : 0);
  for (size_t i = 0; i < h.size(); ++i) h[i] = f32_to_f16(static_cast<float>(i % 97) / 97.0f - 0.5f);
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(i % 97) / 97.0f - 0.5f;
  HostTensor src{"text mlp up",
                 dtype,
                 {N, K},
                 dtype == DType::F32
                     ? std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(f.data()), f.size() * 4)
                     : std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(h.data()), h.size() * 2),
                 {},
                 0};
  ops::Weight w = ops::upload_weight(ctx, src);
  gpu::Buffer xb = ctx.create_buffer(T * K * 4, gpu::MemoryKind::Device, "x");
  gpu::Buffer yb = ctx.create_buffer(T * N * 4, gpu::MemoryKind::Device, "y");
  gpu::Graph g(ctx, "text matmul");
  ops::linear(g, w, ops::view(xb, DType::F32, {T, K}), ops::view(yb, DType::F32, {T, N}));
  auto times = gpu::gpu_us_per_call(g, runs);
  double us = 0;
  for (const auto& [label, t] : times) us += t;
  return 2.0 * T * K * N / (us * 1e3);
}

int run(int argc, char** argv) {
  cli::Args args(std::vector<std::string>(argv + 1, argv + argc));
  if (args.flag("--help") || args.flag("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::string device = args.get_or({"--device"}, "");
  std::string sizes = args.get_or({"--sizes"}, "448x448,1024x768,2048x2048");
  int runs = static_cast<int>(args.get_int({"--runs"}, 3));
  std::string weights = args.get_or({"--weights"}, "f16");
  int64_t max_tokens = args.get_int({"--max-tokens"}, 1024);
  std::string dir = args.get_or({"--dir"}, "/tmp/vole-bench-vision");
  bool json = args.flag("--json");
  args.finish();
  require(runs >= 1, "--runs must be >= 1");
  model::Format format = weights == "f32"  ? model::Format::F32
                         : weights == "q4" ? model::Format::Q4
                                           : model::Format::F16;
  require(weights == "f16" || weights == "f32" || weights == "q4", "--weights must be f16, q4 or f32");

  // The checkpoint: tiny text, the real 0.8B vision tower.
  auto spec = test::checkpoint_preset("tiny-qwen3_5");
  spec.config["vision_config"].update({{"depth", 12},
                                       {"hidden_size", 768},
                                       {"num_heads", 12},
                                       {"intermediate_size", 3072},
                                       {"num_position_embeddings", 2304}});
  spec.mtp = false;
  spec.preprocessor_config = true;
  spec.tokenizer = false;
  auto t0 = std::chrono::steady_clock::now();
  test::write_checkpoint(dir, spec);
  std::fprintf(stderr, "checkpoint written to %s in %.0f ms\n", dir.c_str(), ms_since(t0));

  auto dev = std::make_shared<runtime::Device>(runtime::DeviceOptions{device, 0});
  model::ModelFolder folder(dir, arch::families());
  runtime::VisionOptions vo;
  vo.weights = format;
  vo.cache = model::CachePolicy::Off;
  vo.max_image_tokens = max_tokens;
  runtime::VisionTower tower(dev, dir, folder.config(), arch::families(), nullptr, vo);
  // The bench's images follow Qwen3.5's published pixel budget, not the tiny one.
  image::PreprocessorConfig pcfg = tower.preprocessor();
  pcfg.min_pixels = 65536;
  pcfg.max_pixels = 16777216;
  t0 = std::chrono::steady_clock::now();
  tower.load();
  double load_ms = ms_since(t0);
  const arch::VisionEncoder& enc = tower.encoder();
  double text_gflops = text_matmul_gflops(dev->gpu(), format, runs);

  bench::Table table({{"size", "image", -1},
                      {"tokens", "tokens", 0},
                      {"preprocess_ms", "preprocess ms", 1},
                      {"encode_ms", "encode ms (wall, recorded each time)", 1},
                      {"cached_ms", "re-encode ms (cached graph)", 1},
                      {"cache_speedup", "speed-up", 2},
                      {"split_cost", "parts / one submit", 3},
                      {"gpu_ms", "GPU ms", 1},
                      {"matmul_gflops", "ViT matmul GFLOP/s", 1},
                      {"ratio", "vs text prefill matmul", 2}});
  std::string profiles;
  for (size_t at = 0; at < sizes.size();) {
    size_t comma = sizes.find(',', at);
    std::string s = sizes.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    at = comma == std::string::npos ? sizes.size() : comma + 1;
    int w = 0, h = 0;
    require(std::sscanf(s.c_str(), "%dx%d", &w, &h) == 2 && w > 0 && h > 0, "--sizes: expected WxH, got " + s);
    t0 = std::chrono::steady_clock::now();
    std::vector<image::PreprocessedImage> pre{
        image::preprocess_image(pattern(w, h), pcfg, {.max_image_tokens = max_tokens})};
    double pre_ms = ms_since(t0);
    const int64_t N = pre[0].grid.patches(), tokens = pre[0].tokens;
    gpu::Buffer out = dev->gpu().create_buffer(tokens * enc.out_hidden() * 4, gpu::MemoryKind::Device, "out");
    ops::Tensor out_t = ops::view(out, DType::F32, {tokens, enc.out_hidden()});
    std::vector<arch::ImageGrid> grids{{pre[0].grid.t, pre[0].grid.h, pre[0].grid.w}};
    enc.encode(dev->gpu(), pre[0].patches, grids, out_t);  // warm-up (pipelines)
    // Re-encoding the same size: recording the graph every time, then reusing the cached one.
    auto median_ms = [&] {
      std::vector<double> wall;
      for (int r = 0; r < runs; ++r) {
        t0 = std::chrono::steady_clock::now();
        enc.encode(dev->gpu(), pre[0].patches, grids, out_t);
        wall.push_back(ms_since(t0));
      }
      std::sort(wall.begin(), wall.end());
      return wall[wall.size() / 2];
    };
    const auto* qwen_tower = dynamic_cast<const arch::Qwen3_5VisionEncoder*>(&enc);
    require(qwen_tower != nullptr, "the bench measures Qwen3.5's vision tower");
    qwen_tower->set_graph_cache_limit(0);
    double uncached_ms = median_ms();
    qwen_tower->set_graph_cache_limit(3);
    enc.encode(dev->gpu(), pre[0].patches, grids, out_t);  // records the cached graph
    double cached_ms = median_ms();
    qwen_tower->set_blocks_per_submit(0);  // the whole tower in one submission
    enc.encode(dev->gpu(), pre[0].patches, grids, out_t);
    double one_submit_ms = median_ms();
    qwen_tower->set_blocks_per_submit(arch::Qwen3_5VisionEncoder::kBlocksPerSubmit);
    gpu::Profile profile;
    enc.encode(dev->gpu(), pre[0].patches, grids, out_t, &profile);
    const double H = 768, I = 3072, merged = 4 * H, out_h = static_cast<double>(enc.out_hidden());
    double flops = 2.0 * N * enc.patch_dim() * H + 12 * 2.0 * N * H * (3 * H + H + 2 * I) +
                   2.0 * (N / 4.0) * merged * (merged + out_h);
    double gflops = flops / (matmul_us(profile) * 1e3);
    table.add({s, static_cast<double>(tokens), pre_ms, uncached_ms, cached_ms, uncached_ms / cached_ms,
               cached_ms / one_submit_ms, profile.total_us / 1e3, gflops, gflops / text_gflops});
    profiles += "\n" + s + " (" + std::to_string(N) + " patches): GPU time per kernel\n" + profile.table();
  }
  if (json) {
    nlohmann::json j{{"device", dev->gpu().info().name},           {"weights", weights},
                     {"tower_device_bytes", tower.weight_bytes()}, {"load_ms", load_ms},
                     {"text_matmul_gflops", text_gflops},          {"sizes", table.json()}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("device: %s; tower weights %s: %.1f MB on the device, loaded in %.0f ms\n",
                dev->gpu().info().name.c_str(), weights.c_str(), tower.weight_bytes() / 1e6, load_ms);
    std::printf("text prefill matmul (512 x 1024 -> 3584, %s): %.1f GFLOP/s\n\n%s%s", weights.c_str(), text_gflops,
                table.text().c_str(), profiles.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vole-bench-vision: %s\n", e.what());
    return 1;
  }
}
