#include "arch/blocks/mlp.h"

#include "ops/elementwise.h"
#include "util/error.h"

namespace vole::arch {

Mlp declare_gated_mlp(TensorDeclarer& d, const std::string& stem, int64_t hidden, int64_t intermediate, MlpKind kind,
                      int layer, const GatedMlpNames& n) {
  require(kind == MlpKind::SwiGLU || kind == MlpKind::GeGLU, "a gated MLP is SwiGLU or GeGLU");
  Mlp m{kind, hidden, intermediate, {}, {}, {}};
  m.gate = declare_linear(d, stem + n.gate, intermediate, hidden, false, layer);
  m.up = declare_linear(d, stem + n.up, intermediate, hidden, false, layer);
  m.down = declare_linear(d, stem + n.down, hidden, intermediate, false, layer);
  return m;
}

Mlp declare_two_layer_mlp(TensorDeclarer& d, const std::string& stem, const std::string& fc1, const std::string& fc2,
                          int64_t hidden, int64_t intermediate, MlpKind kind, bool bias, int layer) {
  require(kind == MlpKind::GeluTanh || kind == MlpKind::GeluErf || kind == MlpKind::PackedSwiGLU,
          "a two-layer MLP is GELU (tanh or erf) or a packed SwiGLU");
  Mlp m{kind, hidden, intermediate, {}, {}, {}};
  int64_t fc1_rows = kind == MlpKind::PackedSwiGLU ? 2 * intermediate : intermediate;
  m.up = declare_linear(d, stem + fc1, fc1_rows, hidden, bias, layer);
  m.down = declare_linear(d, stem + fc2, hidden, intermediate, bias, layer);
  return m;
}

void record_mlp(gpu::Graph& g, const Mlp& m, const ops::Tensor& normed, const ops::Tensor& x, bool accumulate) {
  const int64_t T = normed.dim(0);
  if (m.kind == MlpKind::PackedSwiGLU) {
    // torch chunk(2) of fc1's output: the first half is the value, the second the gate.
    ops::Tensor packed = ops::activation(g, DType::F32, {T, 2 * m.intermediate}, "mlp fc1");
    record_linear(g, m.up, normed, packed);
    ops::Tensor value = ops::activation(g, DType::F32, {T, m.intermediate}, "mlp value");
    ops::Tensor gate = ops::activation(g, DType::F32, {T, m.intermediate}, "mlp gate");
    ops::copy_columns(g, packed, 0, value);
    ops::copy_columns(g, packed, m.intermediate, gate);
    ops::swiglu(g, gate, value, value);
    record_linear(g, m.down, value, x, /*accumulate=*/true);
    return;
  }
  ops::Tensor up = ops::activation(g, DType::F32, {T, m.intermediate}, "mlp up");
  record_linear(g, m.up, normed, up);
  switch (m.kind) {
    case MlpKind::SwiGLU:
    case MlpKind::GeGLU: {
      ops::Tensor gate = ops::activation(g, DType::F32, {T, m.intermediate}, "mlp gate");
      record_linear(g, m.gate, normed, gate);
      if (m.kind == MlpKind::SwiGLU) {
        ops::swiglu(g, gate, up, up);
      } else {
        ops::unary(g, ops::Unary::GeluTanh, gate, gate);
        ops::mul(g, gate, up, up);
      }
      break;
    }
    case MlpKind::GeluTanh:
      ops::unary(g, ops::Unary::GeluTanh, up, up);
      break;
    case MlpKind::GeluErf:
      ops::unary(g, ops::Unary::GeluErf, up, up);
      break;
    case MlpKind::PackedSwiGLU:
      break;  // handled above
  }
  record_linear(g, m.down, up, x, accumulate);
}

}  // namespace vole::arch
