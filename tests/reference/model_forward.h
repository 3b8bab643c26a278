#pragma once
// The CPU reference forward pass: plain, readable C++ (f64 accumulation) that follows
// docs/specs/qwen3_5.md (Qwen3.5 hybrid) and the Qwen2 / Qwen3 dense architectures to
// the letter (each described by the flags of ModelSpec, not by a family name),
// composed from the per-kernel references of this folder. It processes one token at a
// time with the exact recurrent form of the Gated DeltaNet and full causal attention
// over an f32 cache: the definition the GPU graphs (chunked prefill, f16 KV cache,
// fused kernels) are tested against.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace vole::ref {

struct ModelSpec {
  bool norm_plus_one = false;  // RMSNorms scale by 1 + w (Qwen3.5) instead of w
  bool output_gate = false;    // q_proj yields query and sigmoid output gate per head (Qwen3.5)
  bool qk_norm = true;         // per-head RMSNorm on q and k (Qwen3, Qwen3.5; not Qwen2)
  bool qkv_bias = false;       // biases on q/k/v_proj (Qwen2; Qwen3 with attention_bias)
  bool output_bias = false;    // bias on o_proj (Qwen3 with attention_bias)
  int hidden = 0;
  int intermediate = 0;
  int layers = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int vocab = 0;
  float eps = 1e-6f;
  float rope_theta = 1e7f;
  int rotary_dims = 0;                // Qwen3.5: head_dim * partial_rotary_factor; Qwen3: head_dim
  int mrope_sections[3] = {0, 0, 0};  // Qwen3.5 interleaved M-RoPE (text-only: irrelevant)
  std::vector<bool> full_attention;   // per layer (Qwen3: all true)
  // Gated DeltaNet (Qwen3.5 linear-attention layers)
  int key_heads = 0, value_heads = 0, key_dim = 0, value_dim = 0, conv_kernel = 4;
  bool tied_embeddings = true;
  std::string prefix;  // "model.language_model." (Qwen3.5) or "model." (Qwen3)
};

// Tensor name -> f32 values (row-major, HF shapes). Quantized weights are passed
// dequantised, so the reference computes with exactly the values the GPU sees.
using WeightMap = std::map<std::string, std::vector<float>>;

class ReferenceModel {
 public:
  ReferenceModel(ModelSpec spec, const WeightMap& weights);

  struct State {
    int64_t length = 0;
    std::vector<std::vector<float>> k_cache, v_cache;  // per layer: [pos][kv_heads*head_dim]
    std::vector<std::vector<float>> conv;              // per layer: [conv_kernel-1][channels]
    std::vector<std::vector<float>> recurrent;         // per layer: [Hv][dk][dv]
  };
  State new_state() const;

  // Runs one token at position state.length; returns the logits [vocab].
  std::vector<float> step(int32_t token, State& state) const;
  // A token with its embedding given (e.g. an image's merger output in place of its pad
  // token's row; null: the table's) and its M-RoPE positions (t, h, w) (§7.10).
  std::vector<float> step(int32_t token, State& state, const float* embedding,
                          const std::array<int32_t, 3>& position) const;
  // Logits of every position for a token sequence from an empty state.
  std::vector<std::vector<float>> forward(const std::vector<int32_t>& tokens) const;
  // Greedy continuation: the prompt, then n argmax tokens.
  std::vector<int32_t> greedy(const std::vector<int32_t>& prompt, int n) const;

  const ModelSpec& spec() const { return spec_; }

 private:
  const std::vector<float>& w(const std::string& name) const;
  std::vector<float> full_attention(int layer, const std::vector<float>& a, State& s,
                                    const std::array<int32_t, 3>& position) const;
  std::vector<float> gated_deltanet(int layer, const std::vector<float>& a, State& s) const;
  std::vector<float> mlp(int layer, const std::vector<float>& a) const;

  ModelSpec spec_;
  const WeightMap& weights_;
};

}  // namespace vole::ref
