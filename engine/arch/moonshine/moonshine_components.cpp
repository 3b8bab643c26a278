// Moonshine's encoder and decoder graphs (docs/specs/moonshine.md §3, §4).
#include "arch/blocks/embedding.h"
#include "arch/moonshine/moonshine.h"
#include "ops/elementwise.h"
#include "ops/linear.h"
#include "ops/norm.h"
#include "util/error.h"

namespace vole::arch {

MoonshineEncoder::MoonshineEncoder(int64_t hidden, ops::RopeParams rope, MoonshineEncoderWeights weights)
    : hidden_(hidden), rope_(rope), w_(std::move(weights)) {}

void MoonshineEncoder::write_frame_inputs(int64_t frames, std::span<int32_t> out) const {
  require(static_cast<int64_t>(out.size()) == frames, "moonshine encoder: frame inputs hold one position per frame");
  for (int64_t i = 0; i < frames; ++i) out[i] = static_cast<int32_t>(i);
}

void MoonshineEncoder::record_encode(gpu::Graph& g, const ops::Tensor& samples, const ops::Tensor& positions,
                                     const ops::Tensor& out) const {
  const int64_t N = samples.numel(), H = hidden_;
  require(N >= kMoonshineMinSamples, "the audio is too short to encode: " + std::to_string(N) +
                                         " samples, Moonshine needs at least " + std::to_string(kMoonshineMinSamples) +
                                         " (56 ms at 16 kHz)");
  require(N <= kMoonshineMaxSamples, "one Moonshine encoder pass takes at most " +
                                         std::to_string(kMoonshineMaxSamples / kMoonshineSampleRate) +
                                         " s of audio, got " + std::to_string(N) + " samples (split it at pauses)");
  const int64_t L1 = w_.conv1.output_steps(N), L2 = w_.conv2.output_steps(L1), L3 = w_.conv3.output_steps(L2);
  ops::expect_shape("moonshine encoder", out, {L3, H}, "out");
  ops::expect_shape("moonshine encoder", positions, {L3}, "positions");

  // Front end (§3.1): conv1 (stride 64) -> tanh -> GroupNorm(1 group) -> conv2 (stride 3)
  // + GELU -> conv3 (stride 2) + GELU, time-major throughout.
  ops::Tensor c1 = ops::activation(g, DType::F32, {L1, H}, "conv1");
  record_conv1d(g, w_.conv1, samples.reshape({N, 1}), c1);
  ops::unary(g, ops::Unary::Tanh, c1, c1);
  ops::group_norm(g, c1, 1, w_.groupnorm_weight.vector(H), w_.groupnorm_bias.vector(H), c1, 1e-5f);
  ops::Tensor c2 = ops::activation(g, DType::F32, {L2, 2 * H}, "conv2");
  record_conv1d(g, w_.conv2, c1, c2);
  ops::unary(g, ops::Unary::GeluErf, c2, c2);
  ops::Tensor x = ops::activation(g, DType::F32, {L3, H}, "encoder residual");
  record_conv1d(g, w_.conv3, c2, x);
  ops::unary(g, ops::Unary::GeluErf, x, x);

  // Pre-norm layers with bidirectional RoPE attention and a GELU MLP (§3.3).
  for (const auto& layer : w_.layers) {
    ops::Tensor normed = ops::activation(g, DType::F32, {L3, H}, "encoder norm");
    record_norm(g, layer.input_norm, x, normed);
    record_bidirectional_attention(g, layer.self_attn, &rope_, positions, normed, x);
    ops::Tensor post = ops::activation(g, DType::F32, {L3, H}, "encoder post norm");
    record_norm(g, layer.post_norm, x, post);
    record_mlp(g, layer.mlp, post, x);
  }
  record_norm(g, w_.final_norm, x, out);
}

MoonshineDecoder::MoonshineDecoder(DecoderDims dims, ops::RopeParams rope, int64_t max_frames,
                                   MoonshineDecoderWeights weights)
    : dims_(dims), rope_(rope), max_frames_(max_frames), w_(std::move(weights)) {}

std::vector<StateSlot> MoonshineDecoder::state_slots(int64_t capacity) const {
  std::vector<StateSlot> slots;
  for (size_t l = 0; l < layers(); ++l) {
    const AttentionShape& a = w_.layers[l].self_attn.shape;
    std::string name = "layer " + std::to_string(l);
    ops::Shape shape{capacity, a.kv_heads, a.kernel_head_dim()};
    slots.push_back({StateKind::SelfAttentionKv, name + " keys", shape, DType::F16});
    slots.push_back({StateKind::SelfAttentionKv, name + " values", shape, DType::F16});
  }
  for (size_t l = 0; l < layers(); ++l) {
    const AttentionShape& a = w_.layers[l].cross_attn.shape;
    std::string name = "layer " + std::to_string(l);
    ops::Shape shape{max_frames_, a.kv_heads, a.kernel_head_dim()};
    slots.push_back({StateKind::CrossAttentionKv, name + " cross keys", shape, DType::F16});
    slots.push_back({StateKind::CrossAttentionKv, name + " cross values", shape, DType::F16});
  }
  slots.push_back({StateKind::CrossAttentionKv, "encoder frames", {1}, DType::I32});
  return slots;
}

void MoonshineDecoder::record_cross_kv(gpu::Graph& g, const ops::Tensor& encoder_out, SequenceState& state) const {
  const int64_t frames = encoder_out.dim(0);
  require(frames >= 1 && frames <= max_frames_, "the speech decoder takes 1 to " + std::to_string(max_frames_) +
                                                    " encoder frames, got " + std::to_string(frames));
  ops::expect_shape("moonshine cross K/V", encoder_out, {frames, dims_.hidden}, "encoder output");
  ops::Tensor zero = ops::activation(g, DType::I32, {1}, "row 0");
  g.fill(zero.data, 0);
  for (size_t l = 0; l < layers(); ++l) {
    int s = cross_slot(l);
    arch::record_cross_kv(g, w_.layers[l].cross_attn, encoder_out, {state.tensor(s), state.tensor(s + 1)}, zero);
  }
  g.fill(state.tensor(frames_slot()).data, static_cast<uint32_t>(frames));
}

void MoonshineDecoder::record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                                      const ops::Tensor& hidden) const {
  const int64_t T = in.tokens, H = dims_.hidden;
  ops::Tensor x = ops::activation(g, DType::F32, {T, H}, "residual");
  record_embedding(g, w_.embed_tokens, in, x);  // no sqrt(H) scaling (§4.1)
  const ops::Tensor frames = state.tensor(frames_slot());
  for (size_t l = 0; l < layers(); ++l) {
    const MoonshineDecoderLayer& layer = w_.layers[l];
    ops::Tensor normed = ops::activation(g, DType::F32, {T, H}, "input norm");
    record_norm(g, layer.input_norm, x, normed);
    record_self_attention(g, layer.self_attn, rope_, in, {state.tensor(2 * l), state.tensor(2 * l + 1)}, normed, x);
    ops::Tensor post = ops::activation(g, DType::F32, {T, H}, "cross norm");
    record_norm(g, layer.post_norm, x, post);
    int s = cross_slot(l);
    record_cross_attention(g, layer.cross_attn, {state.tensor(s), state.tensor(s + 1)}, frames, post, x);
    ops::Tensor fin = ops::activation(g, DType::F32, {T, H}, "mlp norm");
    record_norm(g, layer.final_norm, x, fin);
    record_mlp(g, layer.mlp, fin, x);
  }
  record_norm(g, w_.norm, x, hidden);
}

void MoonshineDecoder::record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const {
  const WeightRef& head = w_.proj_out ? w_.proj_out : w_.embed_tokens;
  ops::linear(g, head.matrix(), hidden, logits);
}

}  // namespace vole::arch
