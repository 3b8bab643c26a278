#pragma once
// Everything a sequence carries between forward passes, on the GPU:
//   - per attention layer: f16 K and V caches [capacity, kv_heads, head_dim];
//   - per linear-attention (Gated DeltaNet) layer: the conv window [K-1, channels] and
//     the f32 recurrent state [value_heads, key_dim, value_dim].
// The KV caches are positional (rolling back = forgetting rows past the new length);
// the recurrent buffers summarise the whole prefix and can only be restored from a
// snapshot taken at that position.
#include <cstdint>
#include <memory>
#include <vector>

#include "gpu/context.h"
#include "ops/tensor.h"

namespace vole::arch {

struct StateShapes {
  int64_t capacity = 0;     // tokens
  int attention_layers = 0;
  int kv_heads = 0, head_dim = 0;
  int recurrent_layers = 0;
  int conv_rows = 0, conv_channels = 0;              // conv window
  int value_heads = 0, key_dim = 0, value_dim = 0;  // recurrent state
};

class SequenceState {
 public:
  SequenceState(gpu::Context& ctx, const StateShapes& shapes);

  const StateShapes& shapes() const { return shapes_; }
  int64_t capacity() const { return shapes_.capacity; }
  uint64_t device_bytes() const;

  // Index i counts attention (resp. recurrent) layers only, in layer order.
  ops::Tensor k_cache(int i) const;
  ops::Tensor v_cache(int i) const;
  ops::Tensor conv_state(int i) const;
  ops::Tensor recurrent_state(int i) const;

  // Zeroes the recurrent buffers (KV rows need no clearing: only rows < length are read).
  void clear();

  // A copy of the recurrent buffers at some sequence length.
  struct Snapshot {
    int64_t length = 0;
    std::vector<gpu::Buffer> buffers;
    uint64_t bytes() const;
  };
  Snapshot snapshot(int64_t length) const;
  void restore(const Snapshot& snapshot);
  bool has_recurrent_state() const { return shapes_.recurrent_layers > 0; }

 private:
  gpu::Context& ctx_;
  StateShapes shapes_;
  std::vector<gpu::Buffer> kv_;         // K0, V0, K1, V1, ...
  std::vector<gpu::Buffer> recurrent_;  // conv0, S0, conv1, S1, ...
};

}  // namespace vole::arch
