#pragma once
// The text decoder component: token ids (and optionally embeddings injected at chosen
// rows) in, hidden states and logits out, with its state in a SequenceState. The
// runtime's Sequence drives it; families implement it (most through StackedDecoder,
// arch/blocks/decoder_stack.h).
#include <cstdint>
#include <vector>

#include "arch/component.h"
#include "arch/sequence_state.h"
#include "gpu/graph.h"
#include "ops/tensor.h"

namespace vole::arch {

// What the runtime needs to know to drive a decoder, whatever its family.
struct DecoderDims {
  int hidden = 0;
  int vocab = 0;
  int64_t max_positions = 0;  // 0: no limit from the config
  int position_rows = 1;      // 1: a position per token; 3: M-RoPE triples (temporal, height, width)
  // Positions count in units of 1/position_units (Kani-TTS-2's fractional frame positions
  // as integers); a text token advances the position by one unit's worth, position_units.
  int position_units = 1;
};

// Embedding rows to replace after the token lookup of a prefill: rows [row, row + n) of
// the chunk get `values` [n, hidden] (e.g. an image's merged patch embeddings in place
// of its pad tokens).
struct InjectedRows {
  int64_t row = 0;
  ops::Tensor values;
};

// The per-run inputs of a forward pass, as tensors in a host-written buffer so a
// recorded graph can be re-submitted with new values.
struct StepInputs {
  ops::Tensor ids;                     // i32 [T]
  ops::Tensor positions;               // i32 [T], or [3, T] for M-RoPE
  ops::Tensor start;                   // i32 [1]: tokens already in the sequence (first new position)
  ops::Tensor kv_len;                  // i32 [1]: start + T
  int64_t tokens = 0;                  // T
  int64_t past = 0;                    // the value of `start` when T > 1 (prefill graphs are per call)
  std::vector<InjectedRows> injected;  // prefill only
};

class TextDecoder : public Component {
 public:
  virtual const DecoderDims& dims() const = 0;
  // Embeddings -> decoder layers -> final norm, writing hidden [T, hidden]. T == 1 uses
  // the decode kernels, T > 1 the prefill ones.
  virtual void record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                              const ops::Tensor& hidden) const = 0;
  // logits [R, vocab] for hidden rows [R, hidden].
  virtual void record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const = 0;

  std::vector<Input> inputs() const override;
  std::vector<Output> outputs() const override { return {Output::HiddenStates, Output::Logits}; }
};

}  // namespace vole::arch
