#include "model/tensor_specs.h"

#include <algorithm>

namespace vole::model {

const char* tensor_role_name(TensorRole r) {
  switch (r) {
    case TensorRole::Embedding:
      return "embedding";
    case TensorRole::LmHead:
      return "lm_head";
    case TensorRole::Linear:
      return "linear";
    case TensorRole::Bias:
      return "bias";
    case TensorRole::RmsNorm:
      return "rms_norm";
    case TensorRole::RmsNormZeroCentred:
      return "rms_norm(1+w)";
    case TensorRole::GatedRmsNorm:
      return "gated_rms_norm";
    case TensorRole::LayerNorm:
      return "layer_norm";
    case TensorRole::Conv1d:
      return "conv1d";
    case TensorRole::ALog:
      return "A_log";
    case TensorRole::DtBias:
      return "dt_bias";
    case TensorRole::PatchEmbed:
      return "patch_embed";
    case TensorRole::PositionEmbed:
      return "pos_embed";
    case TensorRole::ConvKernel:
      return "conv_kernel";
    case TensorRole::SnakeAlpha:
      return "snake_alpha";
    case TensorRole::HostScalar:
      return "host_scalar";
  }
  return "?";
}

bool is_matrix_role(TensorRole r) {
  return r == TensorRole::Embedding || r == TensorRole::LmHead || r == TensorRole::Linear ||
         r == TensorRole::ConvKernel;
}

bool Selection::wants_part(const TensorPart& part) const {
  return !part.optional || all_parts || std::find(parts.begin(), parts.end(), part.name) != parts.end();
}

bool Selection::wants_name(std::string_view name) const {
  if (prefixes.empty()) return true;
  for (const auto& p : prefixes)
    if (name.starts_with(p)) return true;
  return false;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace vole::model
