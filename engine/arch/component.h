#pragma once
// A model is one or more components on the GPU: a text decoder, a vision encoder, an
// audio encoder, a cross-attending decoder, a codec decoder, a pooled encoder. Each
// declares what it takes, what it yields and which state slots a sequence needs, so the
// runtime can drive any of them without knowing its family.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/dtype.h"

namespace vole::arch {

enum class Input : uint8_t {
  TokenIds,         // i32 [T]
  Embeddings,       // f32 [n, hidden] injected at chosen rows of a prefill (e.g. image tokens)
  Positions,        // i32 [T]
  PositionTriples,  // i32 [3, T] (M-RoPE: temporal, height, width)
  EncoderOutput,    // f32 [frames, hidden] of another component
  ImagePatches,     // f32 [patches, channels * t * p * p]
  AudioSamples,     // f32 [samples]
  CodecCodes,       // i32 [codebooks, frames]
};

enum class Output : uint8_t {
  Logits,         // f32 [rows asked for, vocab]
  HiddenStates,   // f32 [T, hidden]
  PooledVectors,  // f32 [sequences, dims]
  AudioSamples,   // f32 [samples]
};

const char* input_name(Input i);
const char* output_name(Output o);

// One buffer a sequence keeps between forward passes.
enum class StateKind : uint8_t {
  SelfAttentionKv,   // positional rows [capacity, ...]: rolling back forgets rows
  CrossAttentionKv,  // computed once per input (e.g. an utterance), then only read
  ConvWindow,        // the last K-1 inputs of a causal convolution
  Recurrent,         // a recurrent summary of the whole prefix
};
const char* state_kind_name(StateKind k);

struct StateSlot {
  StateKind kind = StateKind::SelfAttentionKv;
  std::string name;  // e.g. "layer 3 keys"
  std::vector<int64_t> shape;
  DType dtype = DType::F32;

  // Slots that summarise the prefix are restored from snapshots on rollback; positional
  // ones just forget rows; cross-attention K/V never change within a sequence.
  bool snapshotted() const { return kind == StateKind::ConvWindow || kind == StateKind::Recurrent; }
  uint64_t bytes() const;
};

class Component {
 public:
  virtual ~Component() = default;
  virtual std::string_view name() const = 0;  // "text decoder", "vision encoder", ...
  virtual std::vector<Input> inputs() const = 0;
  virtual std::vector<Output> outputs() const = 0;
  // The state a sequence of `capacity` tokens needs (empty for stateless encoders).
  virtual std::vector<StateSlot> state_slots(int64_t capacity) const { return {}; }
};

}  // namespace vole::arch
