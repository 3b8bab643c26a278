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
  require(kind == MlpKind::GeluTanh || kind == MlpKind::GeluErf, "a two-layer MLP is GELU (tanh or erf)");
  Mlp m{kind, hidden, intermediate, {}, {}, {}};
  m.up = declare_linear(d, stem + fc1, intermediate, hidden, bias, layer);
  m.down = declare_linear(d, stem + fc2, hidden, intermediate, bias, layer);
  return m;
}

void record_mlp(gpu::Graph& g, const Mlp& m, const ops::Tensor& normed, const ops::Tensor& x) {
  const int64_t T = normed.dim(0);
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
  }
  record_linear(g, m.down, up, x, /*accumulate=*/true);
}

}  // namespace vole::arch
