// vole-bench-attention: GPU time of the attention and Gated DeltaNet ops at Qwen3.5-0.8B
// sizes, from graph timestamps (median of --runs runs, each op its own graph node):
//   decode attention at several context lengths (bytes of K/V read per second),
//   prefill attention (causal, f16 cache), the conv, and the delta rule at decode
//   (state bytes read + written per second) and prefill (recurrent vs chunked form).
// Inputs are random; timing does not depend on the values.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cli/args.h"
#include "gpu/context.h"
#include "ops/attention.h"
#include "ops/deltanet.h"
#include "util/error.h"
#include "util/half.h"

using namespace vole;

namespace {

constexpr const char* kUsage = R"(usage: vole-bench-attention [options]
  --device NAME   Vulkan device (index or part of the name; default: the best one)
  --runs N        timed runs per case; the median is reported (default 5)
  --large         longer contexts and prompts (decode up to 32768, prefill 2048)
)";

// Persistent device tensors with random contents, owned by the benchmark.
class Pool {
 public:
  explicit Pool(gpu::Context& ctx) : ctx_(ctx) {}
  ops::Tensor make(DType dtype, ops::Shape shape, float lo = -1.0f, float hi = 1.0f) {
    ops::Tensor t;
    t.dtype = dtype;
    t.shape = std::move(shape);
    buffers_.push_back(std::make_unique<gpu::Buffer>(
        ctx_.create_buffer(std::max<uint64_t>(t.bytes(), 4), gpu::MemoryKind::Device, "bench")));
    t.data = gpu::slice(*buffers_.back(), 0, t.bytes());
    std::uniform_real_distribution<float> dist(lo, hi);
    if (dtype == DType::F16) {
      std::vector<uint16_t> h(t.numel());
      for (auto& x : h) x = f32_to_f16(dist(rng_));
      ctx_.upload(*buffers_.back(), 0, h.data(), t.bytes());
    } else if (dtype == DType::F32) {
      std::vector<float> f(t.numel());
      for (auto& x : f) x = dist(rng_);
      ctx_.upload(*buffers_.back(), 0, f.data(), t.bytes());
    }
    return t;
  }
  ops::Tensor position(int32_t value) {
    ops::Tensor t = make(DType::I32, {1});
    ctx_.upload(*buffers_.back(), 0, &value, 4);
    return t;
  }

 private:
  gpu::Context& ctx_;
  std::mt19937 rng_{7};
  std::vector<std::unique_ptr<gpu::Buffer>> buffers_;
};

// Records one op into a profiled graph and returns its median GPU time in µs (wall
// time of submit + wait where the device has no timestamps).
template <class Record>
double time_us(gpu::Context& ctx, int runs, Record record) {
  gpu::Graph g(ctx, "bench");
  record(g);
  g.compile(true);
  g.run();  // warm-up
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    auto begin = std::chrono::steady_clock::now();
    g.run();
    std::chrono::duration<double, std::micro> wall = std::chrono::steady_clock::now() - begin;
    times.push_back(ctx.info().timestamps ? g.last_profile().total_us : wall.count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void row(const std::string& what, double us, const std::string& extra = "") {
  std::printf("%-46s %12.1f  %s\n", what.c_str(), us, extra.c_str());
}

std::string rate(double bytes, double us) {
  char s[64];
  std::snprintf(s, sizeof s, "%.1f GB/s", bytes / (us * 1e3));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    cli::Args args(std::vector<std::string>(argv + 1, argv + argc));
    if (args.flag("--help")) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    gpu::ContextOptions options;
    options.device = args.get_or({"--device"}, "");
    const int runs = static_cast<int>(args.get_int({"--runs"}, 5));
    const bool large = args.flag("--large");
    args.finish();
    require(runs >= 1, "--runs must be at least 1");

    gpu::Context ctx(options);
    std::printf("device: %s (%s)\n\n", ctx.info().name.c_str(), ctx.info().driver_name.c_str());
    std::printf("%-46s %12s\n", "case", "GPU us");
    Pool pool(ctx);

    // Full attention of Qwen3.5-0.8B: 8 query heads, 2 kv heads, head dim 256.
    const int64_t h = 8, hkv = 2, d = 256;
    const float scale = 1.0f / 16.0f;
    std::vector<int64_t> contexts = large ? std::vector<int64_t>{1024, 8192, 32768} : std::vector<int64_t>{1024, 4096};
    for (int64_t n : contexts) {
      auto q = pool.make(DType::F32, {1, h, d}), out = pool.make(DType::F32, {1, h, d});
      auto ck = pool.make(DType::F16, {n, hkv, d}), cv = pool.make(DType::F16, {n, hkv, d});
      auto len = pool.position(static_cast<int32_t>(n));
      double us = time_us(ctx, runs, [&](gpu::Graph& g) { ops::attention_decode(g, q, ck, cv, len, out, scale); });
      row("attention_decode kv_len " + std::to_string(n), us, rate(2.0 * n * hkv * d * 2, us));
    }
    std::vector<int64_t> prompts = large ? std::vector<int64_t>{512, 2048} : std::vector<int64_t>{128, 512};
    for (int64_t t : prompts) {
      auto q = pool.make(DType::F32, {t, h, d}), out = pool.make(DType::F32, {t, h, d});
      auto ck = pool.make(DType::F16, {t, hkv, d}), cv = pool.make(DType::F16, {t, hkv, d});
      double us = time_us(ctx, runs, [&](gpu::Graph& g) { ops::attention_prefill(g, q, ck, cv, out, {true, 0, scale}); });
      double flops = 2.0 * 2.0 * h * d * (t * (t + 1) / 2.0);  // QK^T and PV over the causal half
      char s[64];
      std::snprintf(s, sizeof s, "%.1f GFLOP/s", flops / (us * 1e3));
      row("attention_prefill causal T " + std::to_string(t), us, s);
    }

    // Gated DeltaNet of Qwen3.5-0.8B: 16 heads of 128, conv over 6144 channels.
    const int64_t heads = 16, dk = 128, channels = 6144;
    ops::DeltaNetParams params;
    params.key_heads = params.value_heads = static_cast<int>(heads);
    params.key_dim = params.value_dim = static_cast<int>(dk);
    auto weight = pool.make(DType::F32, {channels, 4});
    auto conv_state = pool.make(DType::F32, {3, channels});
    auto state = pool.make(DType::F32, {heads, dk, dk}, -0.1f, 0.1f);
    std::vector<int64_t> lengths = {1, large ? 2048 : 512};
    for (int64_t t : lengths) {
      auto x = pool.make(DType::F32, {t, channels}), y = pool.make(DType::F32, {t, channels});
      double us = time_us(ctx, runs, [&](gpu::Graph& g) { ops::conv1d_silu(g, x, weight, conv_state, y); });
      row("conv1d_silu T " + std::to_string(t), us);
      auto beta = pool.make(DType::F32, {t, heads}, 0.1f, 0.9f), gate = pool.make(DType::F32, {t, heads}, -2.0f, 0.0f);
      auto out = pool.make(DType::F32, {t, heads * dk});
      double rec = time_us(ctx, runs, [&](gpu::Graph& g) {
        ops::deltanet_recurrent(g, y, beta, gate, state, out, params);
      });
      row("deltanet_recurrent T " + std::to_string(t), rec, t == 1 ? rate(2.0 * heads * dk * dk * 4, rec) : "");
      if (t > 1) {
        double ch = time_us(ctx, runs, [&](gpu::Graph& g) {
          ops::deltanet_chunked(g, y, beta, gate, state, out, params);
        });
        char s[64];
        std::snprintf(s, sizeof s, "recurrent / chunked = %.2f", rec / ch);
        row("deltanet_chunked T " + std::to_string(t), ch, s);
      }
    }
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "vole-bench-attention: %s\n", e.what());
    return 1;
  }
}
