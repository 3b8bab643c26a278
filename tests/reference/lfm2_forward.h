#pragma once
// The CPU reference of LFM2 (docs/specs/lfm2.md), with the Kani-TTS-2 changes
// (docs/specs/kani-tts.md §5): plain readable C++ with double accumulation. Two
// independent code paths — `step` (one row at a time with the conv state and an f32 KV
// cache) and `forward` (the whole sequence at once: the convolution over all rows, the
// causal attention matrix) — so that decode == full recompute can be tested, and the
// GPU family of phase 2 has one definition to be compared against.
#include <cstdint>
#include <string>
#include <vector>

#include "reference/model_forward.h"  // WeightMap

namespace vole::ref {

struct Lfm2Spec {
  int hidden = 0;
  int intermediate = 0;  // the MLP width actually used (lfm2_ff_dim of the config)
  int layers = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int vocab = 0;
  int conv_kernel = 3;
  bool conv_bias = false;
  float eps = 1e-5f;
  double rope_theta = 1e6;
  std::vector<bool> attention;     // per layer: true = attention, false = short conv
  std::vector<double> rope_scale;  // per layer frequency scale α (Kani-TTS-2); empty = all 1
  bool tied_embeddings = true;
  std::string prefix = "model.";
};

// The MLP width HF derives from the config (lfm2.md §1.1).
int lfm2_ff_dim(int ff_dim, bool auto_adjust, double multiplier, int multiple_of);

// Kani-TTS-2's learned RoPE scale: α = α_min + (α_max − α_min)·σ(w).
double kani_rope_alpha(double alpha_weight, double alpha_min = 0.1, double alpha_max = 2.0);

// Positions of the rows of a Kani-TTS-2 sequence at inference (kani-tts.md §5.2): the
// first `prompt_rows` rows (prompt, speaker row included) at 0, 1, 2, …; after them a
// non-audio token at the current row count, audio frame f at P₀ + f·audio_step (4
// tokens share it), P₀ = the row count when the first audio token is fed. `tokens` has
// one entry per row (the speaker row's entry is ignored).
std::vector<double> kani_positions(const std::vector<int32_t>& tokens, size_t prompt_rows, int32_t audio_tokens_start,
                                   int tokens_per_frame = 4, double audio_step = 1.0);

class Lfm2Reference {
 public:
  Lfm2Reference(Lfm2Spec spec, const WeightMap& weights);

  struct State {
    int64_t rows = 0;
    std::vector<std::vector<float>> k_cache, v_cache;  // attention layers: [row][kv_heads*head_dim]
    std::vector<std::vector<float>> conv;              // conv layers: [(K-1)][hidden], oldest first
  };
  State new_state() const;

  std::vector<float> embed(int32_t token) const;
  // One input row (an embedding, e.g. embed(token) or a projected speaker vector) at
  // `position`; returns the logits.
  std::vector<float> step_row(const std::vector<float>& row, double position, State& state) const;
  std::vector<float> step(int32_t token, State& state) const { return step_row(embed(token), state.rows, state); }

  // Logits of every row of a whole sequence from an empty state (positions default to
  // 0, 1, 2, ...).
  std::vector<std::vector<float>> forward_rows(const std::vector<std::vector<float>>& rows,
                                               std::vector<double> positions = {}) const;
  std::vector<std::vector<float>> forward(const std::vector<int32_t>& tokens) const;

  const Lfm2Spec& spec() const { return spec_; }

 private:
  const std::vector<float>& w(const std::string& name) const;
  const std::string layer(int l) const { return spec_.prefix + "layers." + std::to_string(l) + "."; }
  std::vector<float> mlp(int l, const std::vector<float>& x) const;
  std::vector<float> logits(const std::vector<float>& h) const;
  void rope(std::vector<float>& v, int heads, double position, int layer) const;
  // q, k (normed and rotated) and v of one row for attention layer l.
  void qkv(int l, const std::vector<float>& a, double position, std::vector<float>& q, std::vector<float>& k,
           std::vector<float>& v) const;
  std::vector<float> attend(int l, const std::vector<float>& q, const std::vector<float>& keys,
                            const std::vector<float>& values) const;

  Lfm2Spec spec_;
  const WeightMap& weights_;
};

}  // namespace vole::ref
