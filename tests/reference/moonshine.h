#pragma once
// CPU reference of the Moonshine v1 speech-to-text forward pass (docs/specs/moonshine.md
// §3-§5): plain, readable C++ (f64 accumulation in the shared references) that the GPU
// family is tested against. One utterance at a time, no batching, no padding masks.
//
//   MoonshineModel m = load_moonshine(dir);                 // config.json + safetensors
//   std::vector<float> enc = moonshine_encode(m, samples);   // [frames, hidden]
//   auto logits = moonshine_decoder_logits(m, enc, {1, 42});  // [2, vocab], full recompute
//   MoonshineDecoder dec(m, enc);                            // cached: cross K/V once,
//   std::vector<float> next = dec.step(1);                   //   self K/V grow per step
//   auto ids = moonshine_greedy_decode(m, enc, 20);
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "reference/tensor_map.h"

namespace vole::ref {

struct MoonshineConfig {
  int hidden = 0;
  int intermediate = 0;
  int encoder_layers = 0, decoder_layers = 0;
  int encoder_heads = 0, decoder_heads = 0;
  int encoder_kv_heads = 0, decoder_kv_heads = 0;
  int vocab = 0;
  int rotary_dims = 0;          // int(head_dim * partial_rotary_factor), even
  int rope_frequency_dims = 0;  // Moonshine Streaming's decoder with an odd int(hd * factor); 0: rotary_dims
  float rope_theta = 10000.0f;
  float norm_eps = 1e-5f;  // every LayerNorm and the front end's GroupNorm
  int decoder_start_token = 1;
  int eos_token = 2;
  int encoder_head_dim() const { return hidden / encoder_heads; }
  int decoder_head_dim() const { return hidden / decoder_heads; }
};

// Parses a v1 config.json (flat keys or transformers 5's rope_parameters). Errors name
// the missing or unsupported key.
MoonshineConfig parse_moonshine_config(const std::string& json_text);

struct MoonshineModel {
  MoonshineConfig config;
  TensorMap weights;  // HF names; proj_out.weight may be absent (tied to the embedding)
  const FloatTensor& w(const std::string& name) const;
};

// Checks every tensor the config implies (names and shapes, spec §2); throws naming the
// first problem. load_moonshine calls it.
void check_moonshine_weights(const MoonshineModel& m);
MoonshineModel load_moonshine(const std::filesystem::path& dir);

// Front-end frame count for a number of 16 kHz samples (spec §3.2); 0 when too short.
int64_t moonshine_frame_count(int64_t samples);
inline constexpr int64_t kMoonshineMinSamples = 895;  // the shortest input with one frame
// HF's max_length for a segment (6.5 tokens per second, counting the start token).
int64_t moonshine_max_length(int64_t samples);

// Front end only (conv1, tanh, GroupNorm, conv2 + GELU, conv3 + GELU): [frames, hidden].
std::vector<float> moonshine_front_end(const MoonshineModel& m, std::span<const float> samples);
// The whole encoder: [frames, hidden] after the final LayerNorm. Too short: InvalidArgument.
std::vector<float> moonshine_encode(const MoonshineModel& m, std::span<const float> samples);

// Decoder logits [ids.size(), vocab] for forced ids, all positions in one pass (no cache).
std::vector<float> moonshine_decoder_logits(const MoonshineModel& m, const std::vector<float>& encoder_out,
                                            const std::vector<int32_t>& ids);

// Incremental decoder: cross-attention K/V computed once from the encoder output, a
// self-attention KV cache that grows by one row per step.
class MoonshineDecoder {
 public:
  MoonshineDecoder(const MoonshineModel& m, const std::vector<float>& encoder_out);
  // Feeds one token at the next position; returns its logits [vocab].
  std::vector<float> step(int32_t id);
  int64_t position() const { return position_; }

 private:
  const MoonshineModel& m_;
  int64_t frames_ = 0, position_ = 0;
  std::vector<std::vector<float>> cross_k_, cross_v_;  // per layer [frames, kv_heads * hd]
  std::vector<std::vector<float>> self_k_, self_v_;    // per layer [position, kv_heads * hd], k after RoPE
};

// Greedy decoding from the start token: the generated ids (without the start token),
// ending with eos if it was produced within `max_new_tokens`.
std::vector<int32_t> moonshine_greedy_decode(const MoonshineModel& m, const std::vector<float>& encoder_out,
                                             int64_t max_new_tokens);

// The pieces, exposed for their own tests.
// Valid 1-D convolution: x [in_ch, n] -> [out_ch, (n - k) / stride + 1]; w [out_ch, in_ch, k].
std::vector<float> conv1d_valid(const std::vector<float>& x, int64_t in_ch, int64_t n, const FloatTensor& w,
                                const FloatTensor* bias, int64_t stride);
// GroupNorm with one group over x [ch, n]: one mean/variance for all values, per-channel affine.
std::vector<float> group_norm_one_group(const std::vector<float>& x, int64_t ch, int64_t n,
                                        const std::vector<float>& gamma, const std::vector<float>& beta, float eps);
// Rotary embedding on adjacent pairs (2i, 2i+1) of the first rotary_dims of each head;
// x [tokens, heads, head_dim], token t at position first_position + t.
// frequency_dims: the exponent's denominator when not rotary_dims (RopeConfig).
std::vector<float> rope_interleaved(const std::vector<float>& x, int64_t tokens, int64_t heads, int64_t head_dim,
                                    int64_t first_position, int rotary_dims, float theta, int frequency_dims = 0);
// The decoder MLP's gating: u [tokens, 2I] -> silu(u[:, I:]) * u[:, :I]  [tokens, I].
std::vector<float> gated_silu_value_first(const std::vector<float>& u, int64_t tokens, int64_t inner);

}  // namespace vole::ref
