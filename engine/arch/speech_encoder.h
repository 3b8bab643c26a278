#pragma once
// What the speech-to-text runtime (runtime/speech_to_text) needs from a speech model
// family: its tokens (SpeechConfig) and an audio encoder (SpeechEncoder) whose output a
// MoonshineDecoder's cross-attention reads. Moonshine v1 and Moonshine Streaming
// implement it (docs/specs/moonshine.md, moonshine_streaming.md).
#include <cstdint>
#include <span>

#include "arch/component.h"
#include "gpu/graph.h"
#include "model/family.h"
#include "ops/tensor.h"

namespace vole::arch {

struct SpeechConfig : model::FamilyConfig {
  int64_t bos_token_id = 1, eos_token_id = 2, decoder_start_token_id = 1;
};

// 16 kHz mono samples -> encoder frames [frames, hidden], then the decoder's view of them.
class SpeechEncoder : public Component {
 public:
  std::vector<Input> inputs() const override { return {Input::AudioSamples}; }
  std::vector<Output> outputs() const override { return {Output::HiddenStates}; }

  virtual int64_t hidden() const = 0;
  virtual int64_t frames(int64_t samples) const = 0;  // 0 below min_samples()
  virtual int64_t min_samples() const = 0;
  virtual int64_t max_samples() const = 0;  // what one pass (and the decoder's state) takes

  // Host-written i32 inputs of one pass over `frames` frames (e.g. positions), with the
  // shape frame_inputs_shape(frames); the caller uploads them for record_encode.
  virtual ops::Shape frame_inputs_shape(int64_t frames) const = 0;
  virtual void write_frame_inputs(int64_t frames, std::span<int32_t> out) const = 0;
  // samples f32 [N] (min_samples() <= N <= max_samples()) -> out f32 [frames(N), hidden].
  virtual void record_encode(gpu::Graph& g, const ops::Tensor& samples, const ops::Tensor& frame_inputs,
                             const ops::Tensor& out) const = 0;

  // The rows the decoder's cross-attention reads: the output itself (memory_hidden() == 0)
  // or an adaptation of it, memory [frames, memory_hidden()] written by record_memory.
  virtual int64_t memory_hidden() const { return 0; }
  virtual void record_memory(gpu::Graph& g, const ops::Tensor& out, const ops::Tensor& memory) const {}
};

}  // namespace vole::arch
