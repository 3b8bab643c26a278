#pragma once
// A language model on the GPU: its weights, and the recipe to record a forward pass
// into a gpu::Graph. One implementation per model family (qwen3_5.cpp, qwen3.cpp),
// each reading every dimension from its DecoderSpec.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "arch/sequence_state.h"
#include "arch/weight_store.h"
#include "gpu/graph.h"
#include "ops/tensor.h"

namespace vole::arch {

enum class Family { Qwen3_5, Qwen3 };
const char* family_name(Family f);

// The decoder's hyperparameters, as the graph builders need them.
struct DecoderSpec {
  Family family = Family::Qwen3_5;
  int hidden = 0;
  int intermediate = 0;
  int layers = 0;
  int vocab = 0;
  float eps = 1e-6f;
  std::vector<bool> full_attention;  // per layer; false = Gated DeltaNet
  // attention layers
  int heads = 0, kv_heads = 0, head_dim = 0;
  int rotary_dims = 0;
  float rope_theta = 10000.0f;
  bool mrope = false;
  std::array<int, 3> mrope_sections{0, 0, 0};
  // Gated DeltaNet layers
  int key_heads = 0, value_heads = 0, key_dim = 0, value_dim = 0, conv_kernel = 4;
  bool tied_embeddings = false;
  int64_t max_positions = 0;
  std::string prefix;  // tensor name prefix of the decoder, e.g. "model.language_model."

  int attention_layer_count() const;
  int recurrent_layer_count() const;
  int conv_channels() const { return 2 * key_heads * key_dim + value_heads * value_dim; }
};

// The per-run inputs of a forward pass, as tensors in a host-written buffer so a
// recorded graph can be re-submitted with new values.
struct StepInputs {
  ops::Tensor ids;        // i32 [T]
  ops::Tensor positions;  // i32 [T], or [3, T] for M-RoPE
  ops::Tensor start;      // i32 [1]: tokens already in the sequence (first new position)
  ops::Tensor kv_len;     // i32 [1]: start + T
  int64_t tokens = 0;     // T
  int64_t past = 0;       // the value of `start` when T > 1 (prefill graphs are per call)
};

class LanguageModel {
 public:
  LanguageModel(DecoderSpec spec, WeightStore weights);
  virtual ~LanguageModel() = default;

  const DecoderSpec& spec() const { return spec_; }
  const WeightStore& weights() const { return weights_; }
  StateShapes state_shapes(int64_t capacity) const;

  // Embeddings -> decoder layers -> final norm, writing hidden [T, hidden]. T == 1 uses
  // the decode kernels (recurrent DeltaNet, one-query attention); T > 1 the prefill ones.
  virtual void record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                              const ops::Tensor& hidden) const = 0;
  // logits [R, vocab] for hidden rows [R, hidden] (tied embeddings or lm_head).
  void record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const;

 protected:
  const ops::Weight& lm_head() const;
  DecoderSpec spec_;
  WeightStore weights_;
};

}  // namespace vole::arch
