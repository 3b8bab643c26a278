// Moonshine Streaming's encoder graph and its decoder memory (docs/specs/
// moonshine_streaming.md §3, §4.1). The decoder is v1's MoonshineDecoder.
#include "arch/moonshine_streaming/moonshine_streaming.h"
#include "ops/elementwise.h"
#include "ops/norm.h"
#include "util/error.h"

namespace vole::arch {

namespace {

constexpr float kFrameEps = 1e-6f;  // the per-frame CMVN's
constexpr int64_t kCausalPad = 4;   // kernel 5 - 1 zero frames before each conv

// A [rows + kCausalPad, channels] activation whose first kCausalPad rows are zeros; the
// caller writes the remaining rows (rows(kCausalPad, rows)).
ops::Tensor left_padded(gpu::Graph& g, int64_t rows, int64_t channels, const std::string& name) {
  ops::Tensor t = ops::activation(g, DType::F32, {rows + kCausalPad, channels}, name);
  g.fill(t.rows(0, kCausalPad).data, 0);
  return t;
}

}  // namespace

MoonshineStreamingEncoder::MoonshineStreamingEncoder(int64_t hidden, int64_t decoder_hidden, int64_t max_frames,
                                                     MoonshineStreamingEncoderWeights weights)
    : hidden_(hidden), decoder_hidden_(decoder_hidden), max_frames_(max_frames), w_(std::move(weights)) {}

void MoonshineStreamingEncoder::write_frame_inputs(int64_t frames, std::span<int32_t> out) const {
  require(static_cast<int64_t>(out.size()) == 2 * frames,
          "moonshine streaming encoder: frame inputs hold [start, end) per frame");
  for (int64_t i = 0; i < frames; ++i) {
    out[2 * i] = 0;
    out[2 * i + 1] = static_cast<int32_t>(frames);
  }
}

void MoonshineStreamingEncoder::record_encode(gpu::Graph& g, const ops::Tensor& samples, const ops::Tensor& bounds,
                                              const ops::Tensor& out) const {
  const int64_t N = samples.numel(), H = hidden_;
  require(N >= kStreamingFrameSamples, "the audio is too short to encode: " + std::to_string(N) +
                                           " samples, Moonshine Streaming needs at least " +
                                           std::to_string(kStreamingFrameSamples) + " (5 ms at 16 kHz)");
  require(N <= max_samples(), "one Moonshine Streaming encoder pass takes at most " +
                                  std::to_string(max_samples() / kMoonshineSampleRate) + " s of audio, got " +
                                  std::to_string(N) + " samples (split it at pauses)");
  const int64_t whole = N / kStreamingFrameSamples;                              // full 80-sample frames
  const int64_t T0 = (N + kStreamingFrameSamples - 1) / kStreamingFrameSamples;  // with the zero-padded last one
  const int64_t T1 = w_.conv1.output_steps(T0 + kCausalPad), T = w_.conv2.output_steps(T1 + kCausalPad);
  require(T <= max_frames_, "Moonshine Streaming: " + std::to_string(T) + " frames exceed the " +
                                std::to_string(max_frames_) + " frame positions");
  ops::expect_shape("moonshine streaming encoder", out, {T, H}, "out");
  ops::expect_shape("moonshine streaming encoder", bounds, {T, 2}, "bounds");

  // Front end (§3.1). A partial last frame stays zero (HF's padding mask), as do the
  // convs' left padding rows.
  ops::Tensor e0 = ops::activation(g, DType::F32, {T0 + kCausalPad, H}, "frame embeddings");
  g.fill(e0.data, 0);
  ops::Tensor frames = ops::activation(g, DType::F32, {whole, kStreamingFrameSamples}, "frames");
  ops::frame_asinh(g, samples.rows(0, whole * kStreamingFrameSamples).reshape({whole, kStreamingFrameSamples}),
                   w_.log_k.vector().reshape({1}), frames, kFrameEps);
  ops::Tensor e = e0.rows(kCausalPad, whole);
  record_linear(g, w_.frame_linear, frames, e);
  ops::unary(g, ops::Unary::Silu, e, e);
  ops::Tensor c1 = left_padded(g, T1, 2 * H, "conv1");
  ops::Tensor c1_rows = c1.rows(kCausalPad, T1);
  record_conv1d(g, w_.conv1, e0, c1_rows);
  ops::unary(g, ops::Unary::Silu, c1_rows, c1_rows);
  ops::Tensor x = ops::activation(g, DType::F32, {T, H}, "encoder residual");
  record_conv1d(g, w_.conv2, c1, x);

  // Pre-norm layers, windowed attention without positions, GELU MLP (§3.2).
  PackedBatch one{.ids = {}, .positions = {}, .bounds = bounds, .tokens = T};
  const ops::RopeParams no_rope{};
  for (const auto& layer : w_.layers) {
    ops::Tensor normed = ops::activation(g, DType::F32, {T, H}, "encoder norm");
    record_norm(g, layer.input_norm, x, normed);
    PackedMask mask{.causal = false, .radius = layer.window.behind, .ahead = layer.window.ahead};
    record_packed_attention(g, layer.self_attn, no_rope, one, mask, normed, x, /*accumulate=*/true);
    ops::Tensor post = ops::activation(g, DType::F32, {T, H}, "encoder post norm");
    record_norm(g, layer.post_norm, x, post);
    record_mlp(g, layer.mlp, post, x);
  }
  record_norm(g, w_.final_norm, x, out);
}

void MoonshineStreamingEncoder::record_memory(gpu::Graph& g, const ops::Tensor& out, const ops::Tensor& memory) const {
  const int64_t T = out.dim(0);
  require(T >= 1 && T <= max_frames_,
          "moonshine streaming memory: " + std::to_string(T) + " frames, the table has " + std::to_string(max_frames_));
  ops::expect_shape("moonshine streaming memory", out, {T, hidden_}, "encoder output");
  ops::expect_shape("moonshine streaming memory", memory, {T, decoder_hidden_}, "memory");
  // Learned absolute frame positions, then the projection to the decoder's width (§4.1).
  ops::Tensor positions = w_.pos_emb.vector().rows(0, T);
  if (!w_.proj.weight) {
    ops::add(g, out, positions, memory);
    return;
  }
  ops::Tensor placed = ops::activation(g, DType::F32, {T, hidden_}, "positioned frames");
  ops::add(g, out, positions, placed);
  record_linear(g, w_.proj, placed, memory);
}

}  // namespace vole::arch
