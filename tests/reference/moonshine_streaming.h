#pragma once
// CPU reference of the Moonshine Streaming (v2) forward pass (docs/specs/
// moonshine_streaming.md): the frame front end, the windowed encoder written from HF's
// mask rule, the position adapter; the decoder is v1's reference (reference/moonshine.h)
// run on the adapter's output with the model's decoder view.
//
//   MoonshineStreamingModel m = load_moonshine_streaming(dir);
//   auto enc = moonshine_streaming_encode(m, samples);     // [frames, encoder hidden]
//   auto mem = moonshine_streaming_memory(m, enc);         // [frames, decoder hidden]
//   auto logits = moonshine_decoder_logits(m.decoder, mem, {1, 42});
//   auto ids = moonshine_greedy_decode(m.decoder, mem, 20);
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "reference/moonshine.h"

namespace vole::ref {

struct MoonshineStreamingConfig {
  int encoder_hidden = 0, encoder_intermediate = 0, encoder_layers = 0, encoder_heads = 0, encoder_head_dim = 0;
  std::vector<std::pair<int, int>> windows;  // the config's [left, right] per encoder layer
  int max_frames = 4096;                     // rows of model.decoder.pos_emb
};

struct MoonshineStreamingModel {
  MoonshineStreamingConfig config;
  // The decoder as v1's reference sees it (config.hidden = decoder hidden, RoPE with the
  // odd-d denominator), holding every tensor of the checkpoint.
  MoonshineModel decoder;
  const FloatTensor& w(const std::string& name) const { return decoder.w(name); }
};

// Parses config.json (model_type moonshine_streaming); errors name the key.
MoonshineStreamingModel parse_moonshine_streaming(const std::string& json_text);
// Config + weights, every tensor the config implies checked by name and shape.
MoonshineStreamingModel load_moonshine_streaming(const std::filesystem::path& dir);

// Encoder frames for n samples (spec §3.1): ceil(n / 80) through two stride-2 causal convs.
int64_t moonshine_streaming_frame_count(int64_t samples);

// Per-frame CMVN and asinh compression of rows of `frame_len` samples (spec §3.1 steps 2-3):
// c = x - mean, y = asinh(exp(log_k) · c / sqrt(mean(c²) + 1e-6)).
std::vector<float> frame_cmvn_asinh(const std::vector<float>& frames, int64_t frame_len, float log_k);

// The encoder output [frames, encoder hidden] after final_norm. Below 80 samples: InvalidArgument.
std::vector<float> moonshine_streaming_encode(const MoonshineStreamingModel& m, std::span<const float> samples);
// What the decoder's cross-attention reads: (enc + pos_emb[0..T)) · projᵀ [frames, decoder hidden].
std::vector<float> moonshine_streaming_memory(const MoonshineStreamingModel& m, const std::vector<float>& encoder_out);

}  // namespace vole::ref
