#pragma once
// Moonshine Streaming, Moonshine's v2 speech-to-text (model_type "moonshine_streaming",
// MoonshineStreamingForConditionalGeneration; UsefulSensors/ = moonshine-ai/
// moonshine-streaming-tiny, -small, -medium): 80-sample frames normalised one by one and
// asinh-compressed, two causal strided convs, a sliding-window encoder without positions,
// learned frame positions (and a projection) before v1's decoder.
// Semantics: docs/specs/moonshine_streaming.md.
#include <cstdint>
#include <vector>

#include "arch/blocks/attention.h"
#include "arch/blocks/conv.h"
#include "arch/blocks/linear.h"
#include "arch/blocks/mlp.h"
#include "arch/blocks/norm.h"
#include "arch/family.h"
#include "arch/moonshine/moonshine.h"
#include "arch/speech_encoder.h"

namespace vole::arch {

// One encoder layer's window: query frame t sees key frames t - behind .. t + ahead
// (from the config's [left, right]: behind = left - 1, ahead = max(right - 1, 0)).
struct FrameWindow {
  int64_t behind = 0, ahead = 0;
};

struct MoonshineStreamingConfig : SpeechConfig {
  // Encoder (encoder_config).
  int64_t encoder_hidden = 0, encoder_intermediate = 0, encoder_layers = 0, encoder_heads = 0, encoder_head_dim = 0;
  std::vector<FrameWindow> windows;  // one per encoder layer
  // Decoder (top level).
  int64_t vocab_size = 0, hidden_size = 0, intermediate_size = 0, decoder_layers = 0, decoder_heads = 0,
          decoder_head_dim = 0;
  int64_t max_frames = 0;  // max_position_embeddings: rows of the frame position table
  double partial_rotary_factor = 0.8, rope_theta = 10000.0;
  int64_t rotary_dims = 0, rope_frequency_dims = 0;  // spec §4.2 (odd int(hd * factor) allowed)
  bool tie_word_embeddings = false;

  std::vector<std::pair<std::string, std::string>> summary() const override;
};

std::shared_ptr<const MoonshineStreamingConfig> parse_moonshine_streaming_config(const model::JsonObject& top);
const Family& moonshine_streaming_family();

inline constexpr int64_t kStreamingFrameSamples = 80;  // 5 ms at 16 kHz
// Encoder frames for a number of 16 kHz samples (spec §3.1): ceil(N / 80) frames through
// two stride-2 causal convs; 0 below one frame.
int64_t moonshine_streaming_frames(int64_t samples);

struct MoonshineStreamingEncoderLayer {
  Norm input_norm, post_norm;  // unit-offset LayerNorms
  Attention self_attn;         // no RoPE
  FrameWindow window;
  Mlp mlp;  // fc1 -> GELU (erf) -> fc2
};

struct MoonshineStreamingEncoderWeights {
  WeightRef log_k;  // asinh gain, a scalar
  Linear frame_linear;
  Conv1d conv1, conv2;  // causal: 4 zero frames on the left
  std::vector<MoonshineStreamingEncoderLayer> layers;
  Norm final_norm;
  WeightRef pos_emb;  // [max_frames, encoder hidden], the decoder's frame positions
  Linear proj;        // encoder hidden -> decoder hidden; empty when they are equal
};

// Audio samples -> encoder output [frames, encoder hidden]; its decoder memory is
// (output + pos_emb[0..frames)) · projᵀ [frames, decoder hidden].
class MoonshineStreamingEncoder final : public SpeechEncoder {
 public:
  MoonshineStreamingEncoder(int64_t hidden, int64_t decoder_hidden, int64_t max_frames,
                            MoonshineStreamingEncoderWeights weights);
  std::string_view name() const override { return "streaming audio encoder"; }
  int64_t hidden() const override { return hidden_; }
  int64_t frames(int64_t samples) const override { return moonshine_streaming_frames(samples); }
  int64_t min_samples() const override { return kStreamingFrameSamples; }
  int64_t max_samples() const override { return kMoonshineMaxSamples; }
  // The frame inputs are the attention bounds [frames, 2] = (0, frames) of one utterance.
  ops::Shape frame_inputs_shape(int64_t frames) const override { return {frames, 2}; }
  void write_frame_inputs(int64_t frames, std::span<int32_t> out) const override;
  void record_encode(gpu::Graph& g, const ops::Tensor& samples, const ops::Tensor& bounds,
                     const ops::Tensor& out) const override;
  int64_t memory_hidden() const override { return decoder_hidden_; }
  void record_memory(gpu::Graph& g, const ops::Tensor& out, const ops::Tensor& memory) const override;

 private:
  int64_t hidden_, decoder_hidden_, max_frames_;
  MoonshineStreamingEncoderWeights w_;
};

}  // namespace vole::arch
