#include "ops/rope.h"

#include <bit>
#include <cmath>

#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "rope/interface.h"
#include "util/error.h"

namespace vole::ops {

namespace {

constexpr int kMaxFrequencies = kernels::kRopeMaxFrequencies;  // specialisation constants of rope.comp

bool same_range(const gpu::Operand& a, const gpu::Operand& b) {
  return a.buffer == b.buffer && a.activation == b.activation && a.offset == b.offset && a.bytes == b.bytes;
}

}  // namespace

std::vector<float> rope_inv_freq(const RopeParams& params) {
  // As the reference implementation does it in f32: exponent 2i/R rounded to f32,
  // theta^exponent rounded to f32, then its f32 reciprocal.
  // Vision: each half of the slots has its own set over rotary_dims / 2 dims.
  const int dims = params.vision               ? params.rotary_dims / 2
                   : params.frequency_dims > 0 ? params.frequency_dims
                                               : params.rotary_dims;
  std::vector<float> f(params.rotary_dims / 2);
  for (int i = 0; i < params.rotary_dims / 2; ++i) {
    int k = params.vision ? i % (dims / 2) : i;
    float exponent = static_cast<float>(2 * k) / static_cast<float>(dims);
    float p = static_cast<float>(std::pow(static_cast<double>(params.theta), static_cast<double>(exponent)));
    f[i] = 1.0f / p;
    if (params.frequency_scale != 1.0f) f[i] *= params.frequency_scale;
    if (params.position_units != 1) f[i] /= static_cast<float>(params.position_units);
  }
  return f;
}

void rope(gpu::Graph& g, const Tensor& x, const Tensor& positions, const Tensor& out, const RopeParams& params) {
  expect_dtype("rope", x, DType::F32, "x");
  expect_dtype("rope", out, DType::F32, "out");
  expect_dtype("rope", positions, DType::I32, "positions");
  require(x.rank() == 3 && x.numel() > 0, "rope: x must be [T, H, head_dim], got " + x.describe());
  expect_same_shape("rope", x, out);
  require(x.numel() <= UINT32_MAX, "rope: " + x.describe() + " has too many elements");
  int64_t tokens = x.dim(0), heads = x.dim(1), head_dim = x.dim(2);
  int rd = params.rotary_dims;
  require(rd >= 2 && rd % 2 == 0 && rd <= head_dim, "rope: rotary_dims must be even and in [2, head_dim = " +
                                                        std::to_string(head_dim) + "], got " + std::to_string(rd));
  require(rd / 2 <= kMaxFrequencies,
          "rope: rotary_dims " + std::to_string(rd) + " above the supported " + std::to_string(2 * kMaxFrequencies));
  require(std::isfinite(params.theta) && params.theta > 0,
          "rope: theta must be finite and > 0, got " + std::to_string(params.theta));
  require(std::isfinite(params.frequency_scale) && params.frequency_scale > 0 && params.position_units >= 1,
          "rope: the frequency scale must be finite and > 0 and position units >= 1");
  require(!(params.mrope && params.interleaved), "rope: M-RoPE with interleaved pairs is not a layout any model uses");
  require(!(params.mrope && params.vision), "rope: M-RoPE and vision positions exclude each other");
  if (params.vision) {
    expect_shape("rope", positions, {2, tokens}, "vision (row, col) positions");
    require(rd % 4 == 0, "rope: vision rotary_dims must be a multiple of 4, got " + std::to_string(rd));
  } else if (params.mrope) {
    expect_shape("rope", positions, {3, tokens}, "M-RoPE positions");
    const auto& s = params.sections;
    require(s[0] >= 0 && s[1] >= 0 && s[2] >= 0 && s[0] + s[1] + s[2] == rd / 2,
            "rope: M-RoPE sections (" + std::to_string(s[0]) + ", " + std::to_string(s[1]) + ", " +
                std::to_string(s[2]) + ") must be >= 0 and sum to rotary_dims / 2 = " + std::to_string(rd / 2));
  } else {
    expect_shape("rope", positions, {tokens}, "positions");
  }

  std::vector<uint32_t> spec(kMaxFrequencies, 0);
  auto inv_freq = rope_inv_freq(params);
  for (size_t i = 0; i < inv_freq.size(); ++i) spec[i] = std::bit_cast<uint32_t>(inv_freq[i]);
  auto& p = g.context().pipeline(kernels::rope, spec);

  bool in_place = same_range(x.data, out.data);
  kernels::RopePush push{.tokens = static_cast<uint32_t>(tokens),
                         .heads = static_cast<uint32_t>(heads),
                         .head_dim = static_cast<uint32_t>(head_dim),
                         .half_rot = static_cast<uint32_t>(rd / 2),
                         .tail = in_place ? 0u : static_cast<uint32_t>(head_dim - rd),
                         .mrope = params.vision  ? kernels::kRopeVision
                                  : params.mrope ? kernels::kRopeMrope
                                                 : kernels::kRopePlain,
                         .sec_h = static_cast<uint32_t>(params.vision  ? rd / 4
                                                        : params.mrope ? params.sections[1]
                                                                       : 0),
                         .sec_w = static_cast<uint32_t>(params.mrope ? params.sections[2] : 0),
                         .interleaved = params.interleaved ? 1u : 0u};
  uint64_t items = static_cast<uint64_t>(tokens) * heads * (push.half_rot + push.tail);
  std::array<uint32_t, 3> groups{std::min<uint32_t>(ceil_div(items, 256), 65535u), 1, 1};
  g.dispatch(p, {gpu::in(x.data), gpu::in(positions.data), gpu::out(out.data)}, push, groups,
             params.vision  ? "rope 2d"
             : params.mrope ? "mrope"
                            : "rope");
}

}  // namespace vole::ops
