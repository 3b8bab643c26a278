#pragma once
// Everything a sequence carries between forward passes, on the GPU: one buffer per
// state slot its component declared (Component::state_slots), e.g. f16 K and V caches
// per attention layer, the conv window and f32 recurrent state per Gated DeltaNet
// layer, cross-attention K/V computed once per input.
// Positional slots (KV caches) roll back by forgetting rows past the new length;
// snapshotted slots summarise the whole prefix and can only be restored from a
// snapshot taken at that position.
#include <cstdint>
#include <vector>

#include "arch/component.h"
#include "gpu/context.h"
#include "ops/tensor.h"

namespace vole::arch {

// The longest context (tokens, at most `upto`) whose positional slots (per-layer K/V
// caches) each fit in one binding of `max_binding` bytes; 0 when not even one token does.
int64_t longest_context_within(const Component& component, uint64_t max_binding, int64_t upto);

// Refuses a context of `capacity` tokens that this device cannot bind, before anything is
// allocated, naming the longest context that fits (kernels bind a layer's cache whole, and
// a binding may not exceed maxStorageBufferRange). The error is OutOfMemory: the context does
// not fit this device, like a cache larger than its free memory.
void require_context_fits(const Component& component, const gpu::DeviceInfo& device, int64_t capacity);

class SequenceState {
 public:
  // `capacity` (tokens) only words the error when the positional slots do not fit.
  SequenceState(gpu::Context& ctx, std::vector<StateSlot> slots, int64_t capacity);

  const std::vector<StateSlot>& slots() const { return slots_; }
  uint64_t device_bytes() const;
  // The buffer of slot i (in the component's declaration order), with its shape.
  ops::Tensor tensor(int slot) const;

  // Zeroes the slots that summarise the prefix (conv windows, recurrent state).
  // Positional rows need no clearing (only rows below the length are read), and
  // cross-attention K/V belong to the input (an utterance), not to the tokens: they stay
  // until whoever computed them computes the next input's.
  void clear();

  // A copy of the snapshotted slots at some sequence length.
  struct Snapshot {
    int64_t length = 0;
    std::vector<gpu::Buffer> buffers;
    uint64_t bytes() const;
  };
  Snapshot snapshot(int64_t length) const;
  void restore(const Snapshot& snapshot);
  bool has_recurrent_state() const { return !snapshotted_.empty(); }

 private:
  gpu::Context& ctx_;
  std::vector<StateSlot> slots_;
  std::vector<gpu::Buffer> buffers_;
  std::vector<int> snapshotted_;  // slot indices
};

}  // namespace vole::arch
