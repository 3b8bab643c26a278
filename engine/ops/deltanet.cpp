#include "ops/deltanet.h"

#include <algorithm>
#include <cmath>

#include "deltanet/interface.h"
#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "util/error.h"

namespace vole::ops {

namespace {

constexpr int64_t kMaxTaps = 8;
constexpr int64_t kMaxHeadDim = 256;
constexpr uint32_t kConvTokensPerThread = kernels::kConvTokensPerThread;
constexpr uint32_t kRecurrentTokenBlock = 16;  // preferred TB of recurrent.comp

std::string dims(int64_t v) { return std::to_string(v); }

// Validated shapes of one delta-rule call.
struct DeltaShapes {
  uint32_t t, hk, hv, dk, dv;
};

DeltaShapes check_delta(const char* op, const Tensor& qkv, const Tensor& beta, const Tensor& gate, const Tensor& state,
                        const Tensor& out, const DeltaNetParams& p) {
  require(p.key_heads > 0 && p.value_heads > 0 && p.value_heads % p.key_heads == 0,
          std::string(op) + ": value heads (" + dims(p.value_heads) + ") must be a positive multiple of key heads (" +
              dims(p.key_heads) + ")");
  for (int d : {p.key_dim, p.value_dim})
    require(d > 0 && d % 32 == 0 && d <= kMaxHeadDim, std::string(op) + ": head dims must be multiples of 32 up to " +
                                                          dims(kMaxHeadDim) + ", got dk " + dims(p.key_dim) + ", dv " +
                                                          dims(p.value_dim));
  require(p.eps > 0, std::string(op) + ": eps must be positive");
  for (const auto* t : {&qkv, &beta, &gate, &state, &out}) expect_dtype(op, *t, DType::F32, "every tensor");
  require(qkv.rank() == 2, std::string(op) + ": qkv must be [T, channels], got " + qkv.describe());
  const int64_t t = qkv.dim(0);
  require(t > 0, std::string(op) + ": no tokens");
  const int64_t channels = 2ll * p.key_heads * p.key_dim + static_cast<int64_t>(p.value_heads) * p.value_dim;
  expect_shape(op, qkv, {t, channels}, "qkv");
  expect_shape(op, beta, {t, p.value_heads}, "beta");
  expect_shape(op, gate, {t, p.value_heads}, "gate");
  expect_shape(op, state, {p.value_heads, p.key_dim, p.value_dim}, "state");
  expect_shape(op, out, {t, static_cast<int64_t>(p.value_heads) * p.value_dim}, "out");
  require(!overlaps(out.data, qkv.data) && !overlaps(out.data, state.data),
          std::string(op) + ": out must not alias qkv or state");
  return {static_cast<uint32_t>(t), static_cast<uint32_t>(p.key_heads), static_cast<uint32_t>(p.value_heads),
          static_cast<uint32_t>(p.key_dim), static_cast<uint32_t>(p.value_dim)};
}

// State columns per workgroup (both forms). The columns of a head's state evolve
// independently, so 16-column blocks give Qwen3.5-0.8B's 16 heads 128 workgroups:
// enough to spread one layer's sequential pass over a large GPU.
constexpr uint32_t kStateColumns = 16;

}  // namespace

namespace {

// The one kernel behind both convolutions; `silu` picks the activation.
void record_conv1d(const char* op, bool silu, gpu::Graph& g, const Tensor& x, const Tensor& weight, const Tensor& state,
                   const Tensor& out) {
  for (const auto* t : {&x, &weight, &state, &out}) expect_dtype(op, *t, DType::F32, "every tensor");
  require(x.rank() == 2, std::string(op) + ": x must be [T, C], got " + x.describe());
  const int64_t t = x.dim(0), c = x.dim(1);
  require(t > 0 && c > 0, std::string(op) + ": empty input " + x.describe());
  require(weight.rank() == 2 && weight.dim(0) == c,
          std::string(op) + ": weight must be [" + dims(c) + ", K], got " + weight.describe());
  const int64_t taps = weight.dim(1);
  require(taps >= 2 && taps <= kMaxTaps,
          std::string(op) + ": kernel size must be 2.." + dims(kMaxTaps) + ", got " + weight.describe());
  expect_shape(op, state, {taps - 1, c}, "state");
  expect_same_shape(op, x, out);
  require(!overlaps(out.data, x.data) && !overlaps(out.data, state.data) && !overlaps(state.data, x.data),
          std::string(op) + ": out, x and state must not alias");
  kernels::Conv1dSiluPush push{.t = static_cast<uint32_t>(t), .c = static_cast<uint32_t>(c)};
  const uint32_t token_blocks = ceil_div(t, kConvTokensPerThread);
  require(token_blocks <= g.context().info().max_workgroup_count[1],
          std::string(op) + ": " + dims(t) + " tokens are too many for one dispatch");
  auto& p = g.context().pipeline(kernels::deltanet_conv1d_silu, {static_cast<uint32_t>(taps), silu ? 1u : 0u});
  g.dispatch(p, {gpu::in(x.data), gpu::in(weight.data), gpu::inout(state.data), gpu::out(out.data)}, push,
             {ceil_div(c, 256), token_blocks, 1}, op);
}

}  // namespace

void conv1d_silu(gpu::Graph& g, const Tensor& x, const Tensor& weight, const Tensor& state, const Tensor& out) {
  record_conv1d("conv1d_silu", true, g, x, weight, state, out);
}

void causal_conv1d(gpu::Graph& g, const Tensor& x, const Tensor& weight, const Tensor& state, const Tensor& out) {
  record_conv1d("causal_conv1d", false, g, x, weight, state, out);
}

void deltanet_gates(gpu::Graph& g, const Tensor& b, const Tensor& a, const Tensor& a_log, const Tensor& dt_bias,
                    const Tensor& beta, const Tensor& gate) {
  const char* op = "deltanet_gates";
  for (const auto* t : {&b, &a, &a_log, &dt_bias, &beta, &gate}) expect_dtype(op, *t, DType::F32, "every tensor");
  require(b.rank() == 2, std::string(op) + ": b must be [T, Hv], got " + b.describe());
  const int64_t hv = b.dim(1);
  require(b.numel() > 0, std::string(op) + ": empty input " + b.describe());
  expect_same_shape(op, b, a);
  expect_same_shape(op, b, beta);
  expect_same_shape(op, b, gate);
  expect_shape(op, a_log, {hv}, "A_log");
  expect_shape(op, dt_bias, {hv}, "dt_bias");
  kernels::DeltaNetGatesPush push{.n = static_cast<uint32_t>(b.numel()), .hv = static_cast<uint32_t>(hv)};
  auto& p = g.context().pipeline(kernels::deltanet_gates);
  g.dispatch(p,
             {gpu::in(b.data), gpu::in(a.data), gpu::in(a_log.data), gpu::in(dt_bias.data), gpu::out(beta.data),
              gpu::out(gate.data)},
             push, {std::min<uint32_t>(ceil_div(b.numel(), 256), 65535u), 1, 1}, op);
}

void deltanet_recurrent(gpu::Graph& g, const Tensor& qkv, const Tensor& beta, const Tensor& gate, const Tensor& state,
                        const Tensor& out, const DeltaNetParams& params) {
  const char* op = "deltanet_recurrent";
  const DeltaShapes s = check_delta(op, qkv, beta, gate, state, out, params);
  const auto& info = g.context().info();
  if (!info.subgroup_shuffle)
    fail(ErrorCode::Unsupported, std::string(op) + ": needs subgroup shuffles, which " + info.name + " lacks");
  // P lanes share a state column (sums over dk by shuffles, so P <= subgroup size).
  const uint32_t lanes = std::min<uint32_t>(8, std::max<uint32_t>(1, info.subgroup_size));
  const uint32_t cols = kStateColumns;
  // Token block: as many tokens as fit (q and k of each, plus v, beta, decay).
  uint32_t tb = kRecurrentTokenBlock;
  while (tb > 1 && 4ull * tb * (2 * s.dk + cols + 2) > info.max_shared_memory_bytes) tb /= 2;
  kernels::DeltaNetRecurrentPush push{.t = s.t,
                                      .hk = s.hk,
                                      .hv = s.hv,
                                      .dv = s.dv,
                                      .eps = params.eps,
                                      .q_scale = 1.0f / std::sqrt(static_cast<float>(s.dk))};
  auto& p = g.context().pipeline(kernels::deltanet_recurrent, {s.dk, cols, lanes, tb, cols * lanes});
  g.dispatch(p, {gpu::in(qkv.data), gpu::in(beta.data), gpu::in(gate.data), gpu::inout(state.data), gpu::out(out.data)},
             push, {s.hv, s.dv / cols, 1}, op);
}

void deltanet_chunked(gpu::Graph& g, const Tensor& qkv, const Tensor& beta, const Tensor& gate, const Tensor& state,
                      const Tensor& out, const DeltaNetParams& params) {
  const char* op = "deltanet_chunked";
  const DeltaShapes s = check_delta(op, qkv, beta, gate, state, out, params);
  require(params.chunk >= 16 && params.chunk <= 64 && params.chunk % 16 == 0,
          std::string(op) + ": chunk must be 16, 32, 48 or 64, got " + dims(params.chunk));
  const uint32_t c = static_cast<uint32_t>(params.chunk);
  const uint32_t chunks = ceil_div(s.t, c);
  const auto& info = g.context().info();
  require(chunks <= info.max_workgroup_count[0], std::string(op) + ": too many tokens for one dispatch");
  // Shared arrays of chunk_prepare.comp (A/T, a 32-column block, four chunk vectors)
  // and chunk_scan.comp (state block, V', three chunk vectors).
  const uint64_t prepare_shared = 4ull * (c * (c + 1) + c * 33 + 4 * c);
  const uint64_t scan_shared = 4ull * (s.dk * kStateColumns + c * kStateColumns + 3 * c);
  if (std::max(prepare_shared, scan_shared) > info.max_shared_memory_bytes)
    fail(ErrorCode::Unsupported, std::string(op) + ": chunk " + dims(c) + " needs " +
                                     dims(std::max(prepare_shared, scan_shared)) + " bytes of shared memory, " +
                                     info.name + " has " + dims(info.max_shared_memory_bytes));

  // Per (chunk, value head): U and W, then P, gamma and the q/k normalisation factors.
  Tensor uw = activation(g, DType::F32, {chunks, s.hv, c, s.dv + s.dk}, "deltanet_chunked.uw");
  Tensor aux = activation(g, DType::F32, {chunks, s.hv, c * c + 3 * c}, "deltanet_chunked.aux");

  kernels::DeltaNetChunkPreparePush prep{
      .t = s.t, .hk = s.hk, .hv = s.hv, .eps = params.eps, .q_scale = 1.0f / std::sqrt(static_cast<float>(s.dk))};
  auto& prepare = g.context().pipeline(kernels::deltanet_chunk_prepare, {s.dk, s.dv, c});
  g.dispatch(prepare,
             {gpu::in(qkv.data), gpu::in(beta.data), gpu::in(gate.data), gpu::out(uw.data), gpu::out(aux.data)}, prep,
             {chunks, s.hv, 1}, "deltanet_chunk_prepare");

  const uint32_t cols = kStateColumns;
  kernels::DeltaNetChunkScanPush scan{.t = s.t, .hk = s.hk, .hv = s.hv};
  auto& pass = g.context().pipeline(kernels::deltanet_chunk_scan, {s.dk, s.dv, c, cols});
  g.dispatch(pass, {gpu::in(qkv.data), gpu::in(uw.data), gpu::in(aux.data), gpu::inout(state.data), gpu::out(out.data)},
             scan, {s.hv, s.dv / cols, 1}, "deltanet_chunk_scan");
}

}  // namespace vole::ops
