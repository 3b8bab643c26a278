#pragma once
// LFM2 (model_type "lfm2", Lfm2ForCausalLM; Liquid AI): a hybrid decoder of gated short
// convolutions and GQA attention layers with per-head q/k RMSNorms, plain-weight
// RMSNorms, a SwiGLU MLP whose width the config derives, and the final norm named
// `embedding_norm`. The backbone of Kani-TTS. Semantics: docs/specs/lfm2.md.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "arch/common/decoder_config.h"
#include "arch/family.h"

namespace vole::arch {

// Kani-TTS-2's changes to LFM2 (docs/specs/kani-tts.md §5), read from config.json.
struct KaniTts2Fields {
  int64_t audio_tokens_start = 64410;
  int tokens_per_frame = 4;
  double audio_step = 1.0;  // position advance per audio frame
  int position_units = 1;   // smallest q with audio_step * q whole: positions count in 1/q
  bool learnable_rope = false;
  double alpha_min = 0.1, alpha_max = 2.0;
  int64_t speaker_emb_dim = 128;
  // The position advance per frame in units of 1/position_units.
  int32_t frame_step() const;
};

struct Lfm2Config : model::FamilyConfig {
  DecoderConfig text;       // intermediate_size holds the MLP width actually used (§1.1)
  int64_t conv_kernel = 3;  // conv_L_cache
  bool conv_bias = false;
  std::vector<bool> attention_layers;   // per layer: true = full attention, false = short conv
  std::optional<KaniTts2Fields> kani2;  // set for Kani-TTS-2's modified LFM2
  std::vector<std::pair<std::string, std::string>> summary() const override;
};

// The MLP width transformers derives from the config (lfm2.md §1.1).
int64_t lfm2_ff_dim(int64_t ff_dim, bool auto_adjust, std::optional<double> multiplier, int64_t multiple_of);

std::shared_ptr<const Lfm2Config> parse_lfm2_config(const model::JsonObject& top);

const Family& lfm2_family();

}  // namespace vole::arch
