#pragma once
// Tiny random-weight Moonshine v1 model folders in the real layout (config.json with the
// keys of the 4.48+ checkpoints, model.safetensors with HF names), for the reference
// tests here and the GPU family's tests later.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace vole::test {

struct TinyMoonshine {
  int hidden = 24;
  int intermediate = 48;
  int encoder_layers = 2, decoder_layers = 2;
  int heads = 2;  // head_dim 12
  int vocab = 64;
  double partial_rotary_factor = 0.7;  // int(12 * 0.7) = 8 rotary dims
  std::string dtype = "F32";           // storage dtype of every tensor: F32, BF16 or F16
  bool untied_head = false;            // also write proj_out.weight (a copy of the embedding)
  uint64_t seed = 1;
};

std::string tiny_moonshine_config_json(const TinyMoonshine& spec);
// Writes config.json and model.safetensors into `dir` (created if needed).
void write_tiny_moonshine(const std::filesystem::path& dir, const TinyMoonshine& spec = {});

// Moonshine Streaming (docs/specs/moonshine_streaming.md) folders in the real layout. The
// defaults are small and pick the cases the family must get right: encoder and decoder
// widths differ (the proj adapter), encoder heads of 10 (padded to 16 in the kernels),
// decoder heads of 24 (int(24 * 0.8) = 19: the odd-d RoPE), windows of every kind.
struct TinyMoonshineStreaming {
  int encoder_hidden = 40, encoder_intermediate = 64, encoder_heads = 4;
  std::vector<std::pair<int, int>> windows{{4, 2}, {3, 0}, {4, 3}};  // [left, right] per encoder layer
  int hidden = 48, intermediate = 64, decoder_layers = 2, heads = 2;
  int vocab = 64;
  int max_position_embeddings = 4096;
  uint64_t seed = 1;
};

std::string tiny_moonshine_streaming_config_json(const TinyMoonshineStreaming& spec);
void write_tiny_moonshine_streaming(const std::filesystem::path& dir, const TinyMoonshineStreaming& spec = {});

}  // namespace vole::test
