#pragma once
// Feed-forward blocks: gated (SwiGLU: silu(gate)·up, GeGLU: gelu_tanh(gate)·up, then
// down) and two-layer (fc1 -> GELU -> fc2, with biases, as in ViTs and encoders). The
// output projection adds into the residual stream.
#include <string>

#include "arch/blocks/linear.h"

namespace vole::arch {

enum class MlpKind {
  SwiGLU,        // down(silu(gate(x)) * up(x))
  GeGLU,         // down(gelu_tanh(gate(x)) * up(x))
  GeluTanh,      // fc2(gelu_tanh(fc1(x)))
  GeluErf,       // fc2(gelu_erf(fc1(x)))
  PackedSwiGLU,  // fc1 yields [value | gate] (2 x intermediate); fc2(silu(gate) * value)  (Moonshine decoder)
};

struct Mlp {
  MlpKind kind = MlpKind::SwiGLU;
  int64_t hidden = 0, intermediate = 0;
  Linear gate, up, down;  // two-layer kinds: up = fc1, down = fc2
};

// Tensor names of a gated MLP under its stem (LFM2 calls them w1 / w3 / w2).
struct GatedMlpNames {
  std::string gate = "gate_proj", up = "up_proj", down = "down_proj";
};

// `<stem>gate_proj`, `up_proj`, `down_proj` (no biases), or the given names.
Mlp declare_gated_mlp(TensorDeclarer& d, const std::string& stem, int64_t hidden, int64_t intermediate, MlpKind kind,
                      int layer, const GatedMlpNames& names = {});
// `<stem><fc1>` [intermediate, hidden] (PackedSwiGLU: [2 * intermediate, hidden]) and
// `<stem><fc2>` [hidden, intermediate], with biases if `bias`.
Mlp declare_two_layer_mlp(TensorDeclarer& d, const std::string& stem, const std::string& fc1, const std::string& fc2,
                          int64_t hidden, int64_t intermediate, MlpKind kind, bool bias, int layer);

// x += mlp(normed) (x = mlp(normed) without `accumulate`); normed and x are [T, hidden].
void record_mlp(gpu::Graph& g, const Mlp& m, const ops::Tensor& normed, const ops::Tensor& x, bool accumulate = true);

}  // namespace vole::arch
