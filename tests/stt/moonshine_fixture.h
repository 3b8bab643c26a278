#pragma once
// Tiny random-weight Moonshine v1 model folders in the real layout (config.json with the
// keys of the 4.48+ checkpoints, model.safetensors with HF names), for the reference
// tests here and the GPU family's tests later.
#include <cstdint>
#include <filesystem>
#include <string>

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

}  // namespace vole::test
