#pragma once
// The tensors a model needs, by Hugging Face name, with the shapes its config implies,
// as a family declares them (engine/arch/<family>/). The loader checks the checkpoint
// against this list; the graph builders receive the same declarations bound to the GPU
// copies. Names are canonical HF names whatever the source (MLX checkpoints are
// renamed on load, see model/checkpoint_map.h).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vole::model {

// A part of a checkpoint a load (or a download) can include or leave out: the core
// (the language model, the speech model...) and optional parts such as a vision tower
// or a multi-token-prediction head. Declared by each family (Family::parts()).
struct TensorPart {
  std::string name;                   // "text", "vision", "mtp", ...
  std::vector<std::string> prefixes;  // canonical-name prefixes; empty for the core part
  bool optional = false;              // loaded / downloaded only on request
  std::string description;            // for `vole info` and the model manager
};

// What a tensor is for, which tells generic code how to upload it (matrix or small
// vector), how a checkpoint layout may store it, and how the test generator draws it.
enum class TensorRole : uint8_t {
  Embedding,           // [vocab, hidden] row lookup
  LmHead,              // [vocab, hidden] output projection
  Linear,              // [out, in] matrix of a linear layer
  Bias,                // [out] additive bias
  RmsNorm,             // plain RMSNorm weight: y = x̂ · w
  RmsNormZeroCentred,  // RMSNorm weight applied as 1 + w
  GatedRmsNorm,        // RMSNorm weight of a norm gated by SiLU(z)
  LayerNorm,           // LayerNorm weight (with a Bias tensor beside it)
  Conv1d,              // depthwise causal conv taps [channels, 1, kernel]
  ALog,                // Gated DeltaNet log decay rate [value heads]
  DtBias,              // Gated DeltaNet time-step bias [value heads]
  PatchEmbed,          // vision Conv3d [hidden, channels, t, p, p]
  PositionEmbed,       // learned position table [positions, hidden]
  ConvKernel,          // full convolution weight [out, in, kernel], read as a matrix [out, in * kernel]
  SnakeAlpha,          // per-channel α of a Snake activation (audio codecs)
  HostScalar,          // one learned number the graph builder reads on the host (Kani-TTS-2's RoPE scale)
};
const char* tensor_role_name(TensorRole r);
// Matrices are read by the linear / embedding kernels (any dtype incl. Q4); everything
// else is uploaded as f32.
bool is_matrix_role(TensorRole r);

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  TensorRole role = TensorRole::Linear;
  std::string part;  // the TensorPart it belongs to
  int layer = -1;    // block index within its part, -1 for part-level tensors
};

// Which tensors a load asks for: the core part always, optional parts by name (or all
// of them), optionally narrowed to name prefixes.
struct Selection {
  std::vector<std::string> parts;  // optional parts to include besides the core
  bool all_parts = false;
  std::vector<std::string> prefixes;  // if non-empty, only names starting with one of these

  static Selection core() { return {}; }
  static Selection everything() { return {{}, true, {}}; }
  static Selection with(std::vector<std::string> parts) { return {std::move(parts), false, {}}; }
  bool wants_part(const TensorPart& part) const;
  bool wants_name(std::string_view canonical_name) const;  // the prefix filter alone
};

std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace vole::model
