#pragma once
// Moonshine v1 speech-to-text (model_type "moonshine", MoonshineForConditionalGeneration;
// UsefulSensors/ = moonshine-ai/ moonshine-tiny, -base and the tiny language checkpoints):
// a raw-waveform conv front end and a RoPE encoder (MoonshineEncoder), and a decoder with
// causal self-attention and cross-attention to the encoder output (MoonshineDecoder).
// Semantics: docs/specs/moonshine.md.
#include <cstdint>
#include <vector>

#include "arch/blocks/attention.h"
#include "arch/blocks/conv.h"
#include "arch/blocks/mlp.h"
#include "arch/blocks/norm.h"
#include "arch/family.h"
#include "arch/speech_encoder.h"
#include "arch/text_decoder.h"
#include "ops/rope.h"

namespace vole::arch {

struct MoonshineConfig : SpeechConfig {
  int64_t vocab_size = 0, hidden_size = 0, intermediate_size = 0;
  int64_t encoder_layers = 0, decoder_layers = 0;
  int64_t encoder_heads = 0, decoder_heads = 0;  // key/value heads are equal (no GQA in any checkpoint)
  double partial_rotary_factor = 0.9, rope_theta = 10000.0;
  int64_t rotary_dims = 0;  // int(head_dim * partial_rotary_factor), even
  bool tie_word_embeddings = true;

  int64_t head_dim() const { return hidden_size / encoder_heads; }
  std::vector<std::pair<std::string, std::string>> summary() const override;
};

std::shared_ptr<const MoonshineConfig> parse_moonshine_config(const model::JsonObject& top);
const Family& moonshine_family();

// The front end's arithmetic (spec §3.2): encoder frames for a number of 16 kHz samples,
// 0 below kMoonshineMinSamples.
int64_t moonshine_frames(int64_t samples);
inline constexpr int64_t kMoonshineMinSamples = 895;  // 56 ms: the shortest input with one frame
inline constexpr int64_t kMoonshineSampleRate = 16000;
// The longest input one encoder pass takes (the decoder's cross-attention state is sized
// for it); longer audio is split at pauses first. Real checkpoints were trained on <= 64 s.
inline constexpr int64_t kMoonshineMaxSamples = 64 * kMoonshineSampleRate;
// The model cards' generation limit: max_length = floor(samples * 6.5 / 16000), which
// counts the start token, so at most max_length - 1 generated tokens (spec §5.2).
int64_t moonshine_max_new_tokens(int64_t samples);

struct MoonshineEncoderLayer {
  Norm input_norm, post_norm;
  Attention self_attn;
  Mlp mlp;  // fc1 -> GELU (erf) -> fc2
};

struct MoonshineEncoderWeights {
  Conv1d conv1, conv2, conv3;
  WeightRef groupnorm_weight, groupnorm_bias;
  std::vector<MoonshineEncoderLayer> layers;
  Norm final_norm;
};

// Audio samples (16 kHz mono f32) -> encoder output [frames, hidden].
class MoonshineEncoder final : public SpeechEncoder {
 public:
  MoonshineEncoder(int64_t hidden, ops::RopeParams rope, MoonshineEncoderWeights weights);
  std::string_view name() const override { return "audio encoder"; }
  int64_t hidden() const override { return hidden_; }
  int64_t frames(int64_t samples) const override { return moonshine_frames(samples); }
  int64_t min_samples() const override { return kMoonshineMinSamples; }
  int64_t max_samples() const override { return kMoonshineMaxSamples; }
  // The frame inputs are the RoPE positions 0, 1, ..., frames - 1 (i32 [frames]).
  ops::Shape frame_inputs_shape(int64_t frames) const override { return {frames}; }
  void write_frame_inputs(int64_t frames, std::span<int32_t> out) const override;

  // samples f32 [N] (kMoonshineMinSamples <= N <= kMoonshineMaxSamples), positions i32
  // [frames] = 0, 1, ..., out f32 [moonshine_frames(N), hidden].
  void record_encode(gpu::Graph& g, const ops::Tensor& samples, const ops::Tensor& positions,
                     const ops::Tensor& out) const override;

 private:
  int64_t hidden_;
  ops::RopeParams rope_;
  MoonshineEncoderWeights w_;
};

struct MoonshineDecoderLayer {
  Norm input_norm, post_norm, final_norm;  // before self-attention, cross-attention, MLP
  Attention self_attn, cross_attn;
  Mlp mlp;  // packed SwiGLU: fc1 -> [value | gate]
};

struct MoonshineDecoderWeights {
  WeightRef embed_tokens;
  std::vector<MoonshineDecoderLayer> layers;
  Norm norm;
  WeightRef proj_out;  // empty when tied to embed_tokens
};

// The decoder's tensors (spec §2.3: model.decoder.*, proj_out), shared with Moonshine
// Streaming, whose decoder is this one.
struct MoonshineDecoderShape {
  int64_t vocab = 0, hidden = 0, intermediate = 0, layers = 0, heads = 0, head_dim = 0;
  bool tied_head = true;
};
MoonshineDecoderWeights declare_moonshine_decoder(TensorDeclarer& d, const MoonshineDecoderShape& s);
inline constexpr float kMoonshineNormEps = 1e-5f;  // every LayerNorm (PyTorch's default; no config key)

// Token ids + the encoder output (through its cross-attention state) -> logits. A
// TextDecoder, so runtime::Sequence drives it (recorded decode steps, GPU sampling); its
// state holds, per layer, the self-attention KV cache and the cross-attention K/V of the
// current utterance, plus the utterance's frame count (i32 [1]) that the recorded
// graphs read.
class MoonshineDecoder final : public TextDecoder {
 public:
  MoonshineDecoder(DecoderDims dims, ops::RopeParams rope, int64_t max_frames, MoonshineDecoderWeights weights);
  std::string_view name() const override { return "speech decoder"; }
  std::vector<Input> inputs() const override { return {Input::TokenIds, Input::Positions, Input::EncoderOutput}; }
  const DecoderDims& dims() const override { return dims_; }
  std::vector<StateSlot> state_slots(int64_t capacity) const override;
  void record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                      const ops::Tensor& hidden) const override;
  void record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const override;

  int64_t max_frames() const { return max_frames_; }
  // Computes every layer's cross-attention K/V of `encoder_out` [frames, hidden] into the
  // state and sets its frame count. Run once per utterance, before its first token.
  void record_cross_kv(gpu::Graph& g, const ops::Tensor& encoder_out, SequenceState& state) const;

 private:
  int cross_slot(size_t layer) const { return static_cast<int>(2 * layers() + 2 * layer); }
  int frames_slot() const { return static_cast<int>(4 * layers()); }
  size_t layers() const { return w_.layers.size(); }

  DecoderDims dims_;
  ops::RopeParams rope_;
  int64_t max_frames_;
  MoonshineDecoderWeights w_;
};

}  // namespace vole::arch
