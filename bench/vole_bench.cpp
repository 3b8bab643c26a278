// vole-bench: how close the decode matvecs come to the device's memory bandwidth.
//   1. Copy bandwidth with the copy kernel (bytes read + written per second), measured
//      before and after the rest; the better of the two is the reference.
//   2. linear() at T = 1 for every weight shape of a Qwen3.5-0.8B decode step, in int4
//      and f16, timed with GPU timestamps; bytes moved = weights (+ scales) + x + y.
//   3. Per format, the matvec time of one decode step and the token rate it allows.
// Each weight is uploaded in several copies used in turn, so the working set exceeds the
// GPU's caches as it does in a real decode step (every layer has its own weights).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cli/args.h"
#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "gpu/bandwidth.h"
#include "gpu/timing.h"
#include "ops/linear.h"
#include "report.h"
#include "util/error.h"
#include "util/half.h"

using namespace vole;

namespace {

constexpr const char* kUsage = R"(usage: vole-bench [options]
  --json FILE          also write the results as JSON
  --device NAME        Vulkan device (index or part of the name; default: the best one)
  --dtypes LIST        weight formats to time, comma-separated: q4,f16,bf16,f32 (default q4,f16)
  --group G            int4 group size: 32, 64 or 128 (default 128)
  --reduction R        matvec reduction: auto, subgroup or shared (default auto)
  --rows-per-team R    matvec rows per team: 1, 2, 4 or 8 (default: chosen per shape)
  --prefill T          also time the same shapes at T tokens (the tiled matmul; lm_head skipped)
  --footprint-mib N    working set each shape cycles through, to defeat caches (default 512)
  --runs N             timed runs per measurement; the median is reported (default 5)
  --target-ms N        GPU time one timed run aims at (default 200)
)";

struct Options {
  std::vector<DType> dtypes = {DType::Q4, DType::F16};
  int group = kQ4DefaultGroup;
  ops::MatvecReduction reduction = ops::MatvecReduction::Auto;
  int rows_per_team = 0;
  int64_t prefill_tokens = 0;
  uint64_t footprint = 512ull << 20;
  int runs = 5;
  double target_us = 200e3;
};

// One weight shape of the decode step: [out, in], and how often a token uses it.
struct DecodeShape {
  const char* role;
  int64_t in, out;
  int per_token;
};

// Qwen3.5-0.8B: 24 layers (18 Gated DeltaNet, 6 gated attention), each with an MLP.
const DecodeShape kShapes[] = {
    {"gdn in_proj_qkv", 1024, 6144, 18}, {"gdn in_proj_z", 1024, 2048, 18},
    {"gdn in_proj_a, _b", 1024, 16, 36}, {"gdn out_proj, attn o_proj", 2048, 1024, 24},
    {"mlp gate, up", 1024, 3584, 48},    {"mlp down", 3584, 1024, 24},
    {"attn q_proj (+gate)", 1024, 4096, 6}, {"attn k_proj, v_proj", 1024, 512, 12},
    {"lm_head", 1024, 248320, 1},
};

// A host weight with arbitrary but well-behaved contents (finite, normal floats; valid
// int4 scales): timing does not depend on the values, only on not hitting slow paths.
struct HostWeight {
  std::vector<uint8_t> data, scales;
  HostTensor tensor;
};

std::unique_ptr<HostWeight> make_weight(DType dtype, int64_t rows, int64_t cols, int group) {
  auto w = std::make_unique<HostWeight>();
  int64_t n = rows * cols;
  w->data.resize(dtype == DType::Q4 ? n / 2 : n * dtype_size(dtype));
  uint64_t state = 0x9e3779b97f4a7c15ull * (rows + 3 * cols);
  for (size_t i = 0; i < w->data.size(); i += 8) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;  // LCG: plenty for filler
    uint64_t bits = state ^ (state >> 29);
    std::memcpy(w->data.data() + i, &bits, std::min<size_t>(8, w->data.size() - i));
  }
  // Force each 16/32-bit value into a normal range: keep sign and mantissa, fix the exponent.
  if (dtype == DType::F16 || dtype == DType::BF16) {
    uint16_t keep = dtype == DType::F16 ? 0x83ff : 0x807f, exponent = dtype == DType::F16 ? 0x3000 : 0x3e00;
    for (size_t i = 0; i < w->data.size(); i += 2) {
      uint16_t h;
      std::memcpy(&h, &w->data[i], 2);
      h = static_cast<uint16_t>((h & keep) | exponent);
      std::memcpy(&w->data[i], &h, 2);
    }
  } else if (dtype == DType::F32) {
    for (size_t i = 0; i < w->data.size(); i += 4) {
      uint32_t f;
      std::memcpy(&f, &w->data[i], 4);
      f = (f & 0x807fffffu) | 0x3e000000u;
      std::memcpy(&w->data[i], &f, 4);
    }
  } else {
    uint32_t word = f32_to_f16(0.01f) | static_cast<uint32_t>(f32_to_f16(-0.08f)) << 16;
    w->scales.resize(static_cast<size_t>(rows * (cols / group) * 4));
    for (size_t i = 0; i < w->scales.size(); i += 4) std::memcpy(&w->scales[i], &word, 4);
  }
  w->tensor.name = "bench weight";
  w->tensor.dtype = dtype;
  w->tensor.shape = {rows, cols};
  w->tensor.data = w->data;
  w->tensor.scales = w->scales;
  w->tensor.group_size = dtype == DType::Q4 ? group : 0;
  return w;
}

struct LinearResult {
  uint64_t bytes = 0;  // weights + scales + x + y
  double us = 0;
  std::string kernel;  // which kernel linear() ran, e.g. "matvec_q4"
};

// GPU time of linear() with x [tokens, K], cycling through copies of the weight.
LinearResult measure_linear(gpu::Context& ctx, const HostTensor& host, int64_t tokens, const Options& o) {
  const int64_t rows = host.shape[0], cols = host.shape[1];
  const uint64_t weight_bytes = host.data.size() + host.scales.size();
  const uint64_t bytes = weight_bytes + static_cast<uint64_t>(tokens * (cols + rows)) * 4;
  uint64_t footprint = std::min<uint64_t>(o.footprint, ctx.info().device_local_bytes() / 4);
  size_t copies = static_cast<size_t>(std::clamp<uint64_t>(footprint / bytes, 1, 64));
  std::vector<ops::Weight> weights;
  for (size_t i = 0; i < copies; ++i) weights.push_back(ops::upload_weight(ctx, host));

  auto x_buf = ctx.create_buffer(tokens * cols * 4, gpu::MemoryKind::Device, "x");
  auto y_buf = ctx.create_buffer(tokens * rows * 4, gpu::MemoryKind::Device, "y");
  std::vector<float> x(tokens * cols, 0.5f);
  ctx.upload(x_buf, 0, x.data(), x.size() * 4);
  ops::Tensor tx = ops::view(x_buf, DType::F32, {tokens, cols}), ty = ops::view(y_buf, DType::F32, {tokens, rows});
  ops::LinearOptions lo;
  lo.reduction = o.reduction;
  lo.rows_per_team = o.rows_per_team;
  std::string kernel;
  auto time_with = [&](size_t reps) {
    gpu::Graph g(ctx, "linear");
    for (size_t i = 0; i < reps; ++i) ops::linear(g, weights[i % copies], tx, ty, lo);
    auto times = gpu::gpu_us_per_call(g, reps == 1 ? 1 : o.runs);
    require(times.size() == 1, "bench: expected one kernel label per linear graph");
    kernel = times.begin()->first;
    return times.begin()->second * weights[0].shards.size();  // a sharded weight is one dispatch per shard
  };
  // Calls per timed run: about target_us of GPU time, judged from one call. Fast kernels
  // make many calls, so a run cycles through all copies (more than the caches hold).
  double probe = time_with(1);
  size_t reps = static_cast<size_t>(std::clamp(o.target_us / probe, 2.0, 256.0 * copies));
  double us = time_with(reps);
  return {bytes, us, kernel};
}

std::string shape_text(const DecodeShape& s) { return std::to_string(s.in) + "->" + std::to_string(s.out); }

std::string dtype_label(DType d, int group) {
  return d == DType::Q4 ? "int4/g" + std::to_string(group) : dtype_name(d);
}

Options parse(int argc, char** argv, std::string& json_path, std::string& device) {
  cli::Args args(std::vector<std::string>(argv + 1, argv + argc));
  Options o;
  if (args.flag("--help") || args.flag("-h")) {
    std::fputs(kUsage, stdout);
    std::exit(0);
  }
  json_path = args.get_or({"--json"}, "");
  device = args.get_or({"--device"}, "");
  if (auto list = args.get({"--dtypes"})) {
    o.dtypes.clear();
    size_t begin = 0;
    while (begin <= list->size()) {
      size_t end = std::min(list->find(',', begin), list->size());
      std::string d = list->substr(begin, end - begin);
      if (d == "q4" || d == "int4") o.dtypes.push_back(DType::Q4);
      else if (d == "f16") o.dtypes.push_back(DType::F16);
      else if (d == "bf16") o.dtypes.push_back(DType::BF16);
      else if (d == "f32") o.dtypes.push_back(DType::F32);
      else fail(ErrorCode::InvalidArgument, "--dtypes: unknown format '" + d + "' (q4, f16, bf16, f32)");
      begin = end + 1;
    }
  }
  o.group = static_cast<int>(args.get_int({"--group"}, o.group));
  require(o.group == 32 || o.group == 64 || o.group == 128, "--group must be 32, 64 or 128");
  std::string reduction = args.get_or({"--reduction"}, "auto");
  if (reduction == "subgroup") o.reduction = ops::MatvecReduction::Subgroup;
  else if (reduction == "shared") o.reduction = ops::MatvecReduction::SharedMemory;
  else require(reduction == "auto", "--reduction must be auto, subgroup or shared");
  o.rows_per_team = static_cast<int>(args.get_int({"--rows-per-team"}, 0));
  o.prefill_tokens = args.get_int({"--prefill"}, 0);
  require(o.prefill_tokens >= 0, "--prefill must be a token count");
  int64_t mib = args.get_int({"--footprint-mib"}, 512);
  require(mib >= 1, "--footprint-mib must be positive");
  o.footprint = static_cast<uint64_t>(mib) << 20;
  o.runs = static_cast<int>(args.get_int({"--runs"}, o.runs));
  require(o.runs >= 1, "--runs must be at least 1");
  o.target_us = 1e3 * args.get_double({"--target-ms"}, 200);
  require(o.target_us > 0, "--target-ms must be positive");
  args.finish();
  return o;
}

int run(int argc, char** argv) {
  std::string json_path, device;
  Options o = parse(argc, argv, json_path, device);
  gpu::ContextOptions co;
  co.device = device;
  gpu::Context ctx(co);
  const auto& info = ctx.info();
  bool subgroup = o.reduction == ops::MatvecReduction::Subgroup ||
                  (o.reduction == ops::MatvecReduction::Auto && info.subgroup_arithmetic && info.subgroup_basic);
  std::printf("device: %s (%s), subgroup size %u, matvec reduction: %s\n\n", info.name.c_str(), info.type_name(),
              info.subgroup_size, subgroup ? "subgroup" : "shared memory");

  // Copy bandwidth before and after the matvecs: on a shared machine the load can change,
  // so the fractions use the better of the two.
  gpu::CopyBandwidth copy_before = gpu::measure_copy_bandwidth(ctx, o.target_us, o.runs);
  std::fprintf(stderr, "  copy %.1f GB/s\n", copy_before.gbps());
  struct Measured {
    const DecodeShape* shape;
    DType dtype;
    LinearResult r;
  };
  std::vector<Measured> measured;
  for (DType dtype : o.dtypes)
    for (const auto& s : kShapes) {
      auto host = make_weight(dtype, s.out, s.in, o.group);
      measured.push_back({&s, dtype, measure_linear(ctx, host->tensor, 1, o)});
      std::fprintf(stderr, "  %-8s %-12s %9.2f us\n", dtype_label(dtype, o.group).c_str(), shape_text(s).c_str(),
                   measured.back().r.us);
    }
  gpu::CopyBandwidth copy_after = gpu::measure_copy_bandwidth(ctx, o.target_us, o.runs);
  const gpu::CopyBandwidth& copy = copy_after.gbps() > copy_before.gbps() ? copy_after : copy_before;
  std::printf("copy bandwidth: %.1f GB/s (%.0f MiB in %.1f us, bytes read + written; before %.1f, after %.1f)\n\n",
              copy.gbps(), copy.bytes / 1048576.0, copy.us, copy_before.gbps(), copy_after.gbps());

  bench::Table matvecs({{"shape", "shape"},
                        {"role", "role"},
                        {"dtype", "dtype"},
                        {"per_token", "per token", 0},
                        {"bytes", "bytes moved", 0},
                        {"us", "us", 2},
                        {"gbps", "GB/s", 1},
                        {"copy_fraction", "of copy", 2}});
  bench::Table step({{"dtype", "dtype"},
                     {"matvecs", "matvecs", 0},
                     {"bytes", "bytes/token", 0},
                     {"us", "us/token", 1},
                     {"tokens_per_s", "tok/s (matvecs only)", 0},
                     {"gbps", "GB/s", 1},
                     {"copy_fraction", "of copy", 2}});
  for (DType dtype : o.dtypes) {
    double step_us = 0, step_bytes = 0;
    int step_count = 0;
    for (const auto& m : measured) {
      if (m.dtype != dtype) continue;
      const DecodeShape& s = *m.shape;
      double gbps = m.r.bytes / (m.r.us * 1e3);
      matvecs.add({shape_text(s), std::string(s.role), dtype_label(dtype, o.group), double(s.per_token),
                   double(m.r.bytes), m.r.us, gbps, gbps / copy.gbps()});
      step_us += s.per_token * m.r.us;
      step_bytes += s.per_token * double(m.r.bytes);
      step_count += s.per_token;
    }
    double gbps = step_bytes / (step_us * 1e3);
    step.add({dtype_label(dtype, o.group), double(step_count), step_bytes, step_us, 1e6 / step_us, gbps,
              gbps / copy.gbps()});
  }
  std::printf("matvec at T = 1 (GPU timestamps; bytes moved = weights + scales + x + y):\n%s", matvecs.text().c_str());
  std::printf("\ndecode step, matvecs only (sum over the shapes above, times their count per token):\n%s",
              step.text().c_str());

  bench::Table prefill({{"shape", "shape"},
                        {"role", "role"},
                        {"dtype", "dtype"},
                        {"tokens", "tokens", 0},
                        {"kernel", "kernel"},
                        {"us", "us", 1},
                        {"gflops", "GFLOP/s", 1}});
  if (o.prefill_tokens > 0) {
    for (DType dtype : o.dtypes)
      for (const auto& s : kShapes) {
        if (s.out > 100000) continue;  // prefill computes logits for the last token only
        auto host = make_weight(dtype, s.out, s.in, o.group);
        LinearResult r = measure_linear(ctx, host->tensor, o.prefill_tokens, o);
        double flops = 2.0 * o.prefill_tokens * s.in * s.out;
        std::fprintf(stderr, "  prefill %-8s %-12s %9.1f us\n", dtype_label(dtype, o.group).c_str(),
                     shape_text(s).c_str(), r.us);
        prefill.add({shape_text(s), std::string(s.role), dtype_label(dtype, o.group), double(o.prefill_tokens),
                     r.kernel, r.us, flops / (r.us * 1e3)});
      }
    std::printf("\nprefill, T = %lld:\n%s", static_cast<long long>(o.prefill_tokens),
                prefill.text().c_str());
  }

  if (!json_path.empty()) {
    nlohmann::json doc = {{"benchmark", "vole-bench"},
                          {"device", bench::device_json(info)},
                          {"matvec_reduction", subgroup ? "subgroup" : "shared"},
                          {"copy",
                           {{"bytes", copy.bytes},
                            {"us", copy.us},
                            {"gbps", copy.gbps()},
                            {"gbps_before", copy_before.gbps()},
                            {"gbps_after", copy_after.gbps()}}},
                          {"matvec", matvecs.json()},
                          {"decode_step", step.json()}};
    if (o.prefill_tokens > 0) doc["prefill"] = prefill.json();
    bench::write_json(json_path, doc);
    std::printf("\nwrote %s\n", json_path.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vole-bench: %s\n", e.what());
    return 1;
  }
}
