#pragma once
// Writes random-weight model folders in the genuine Hugging Face layout, for tests and
// benchmarks: config.json, generation_config.json, model.safetensors (or shards with
// model.safetensors.index.json) and the real Qwen3 tokenizer files. Weights are
// deterministic from a seed (each tensor has its own stream, so order does not
// matter) with realistic magnitudes: matrices N(0, 0.02), zero-centred norms near 0,
// plain norms near 1, A_log = log U(1, 16), dt_bias near 1.
//
// Formats: plain F32 / BF16 / F16 (A_log stays F32, as in the real checkpoints);
// MLX affine 4-bit as mlx-lm writes it (MLX names, conv1d [C, K, 1], zero-centred norms
// stored as 1 + w, channels-last patch embedding, every Linear/Embedding quantized);
// GPTQ 4-bit (every decoder Linear, sym or asym, v1 or v2 zero points).
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/config.h"
#include "model/family.h"
#include "model/tensor_specs.h"

namespace vole::test {

enum class CheckpointFormat { F32, BF16, F16, Mlx4, Gptq4 };
const char* checkpoint_format_name(CheckpointFormat f);
std::optional<CheckpointFormat> parse_checkpoint_format(const std::string& s);

// The sentence-transformers files of an embedding model (modules.json, 1_Pooling,
// N_Dense with random f32 weights, 4_Normalize, sentence_bert_config.json,
// config_sentence_transformers.json), as the EmbeddingGemma / Qwen3-Embedding repos have them.
struct SentenceTransformersSpec {
  bool mean_pooling = true;        // false: last-token pooling
  std::vector<int64_t> dense_out;  // each Dense layer's output width (no bias, Identity), in order
  nlohmann::json prompts = nlohmann::json::object();
  int64_t max_seq_length = 0;  // 0: no sentence_bert_config.json
  bool add_eos_token = false;  // tokenizer_config.json asks for an EOS (EmbeddingGemma)
};

struct CheckpointSpec {
  // config.json as written (without the quantization block, which `format` adds). The
  // tensors come from the family that reads it: its declarations list every tensor.
  nlohmann::json config;
  const model::FamilyTable* families = nullptr;  // null: arch::families()
  CheckpointFormat format = CheckpointFormat::BF16;
  int quant_group = 64;  // MLX / GPTQ group size
  // MLX per-module overrides: MLX module path -> (bits, group_size).
  std::map<std::string, std::pair<int, int>> mlx_overrides;
  // MLX stores 1 + w norms shifted (mlx-lm's Qwen3.5); its Gemma 3 keeps them as stored.
  bool mlx_norms_shifted = true;
  bool gptq_sym = true;
  bool gptq_v2 = false;
  bool mtp = true;  // write the mtp part if the family has one (MLX drops it, as mlx-lm does)
  uint64_t seed = 1;
  uint64_t max_shard_bytes = 0;  // 0: one file; else shards (and a new shard per part: text, vision, mtp)
  std::string tokenizer_source;  // a folder with tokenizer.json (+ tokenizer_config.json); "" = the Qwen3 one
  bool tokenizer = true;         // copy tokenizer.json / tokenizer_config.json
  std::optional<std::filesystem::path> chat_template;  // written into tokenizer_config.json
  bool generation_config = true;
  std::optional<SentenceTransformersSpec> sentence_transformers;
  // preprocessor_config.json for a config with a vision tower (Qwen3.5's published
  // values; tiny towers get a small pixel budget, 16 to 256 patches, to keep tests fast).
  bool preprocessor_config = false;
};

// "tiny-qwen3_5", "tiny-qwen3", "tiny-qwen2", "qwen3_5-0.8b", "tiny-lfm2", and the embedding models
// "tiny-embeddinggemma" (with the Gemma 3 tokenizer) and "tiny-qwen3-embedding".
CheckpointSpec checkpoint_preset(const std::string& name);
std::vector<std::string> checkpoint_presets();

// The object holding the language model's fields (text_config for multimodal
// configs, else the top level), for tests that change a dimension.
nlohmann::json& text_config(CheckpointSpec& spec);
const nlohmann::json& text_config(const CheckpointSpec& spec);
// Ties (or unties) lm_head to embed_tokens wherever the config says it.
void set_tied_embeddings(CheckpointSpec& spec, bool tied);
// The config as the engine reads it (the family's typed config), from config_json_text.
model::ModelConfig parsed_config(const CheckpointSpec& spec);

void write_checkpoint(const std::filesystem::path& dir, const CheckpointSpec& spec);

std::string config_json_text(const CheckpointSpec& spec);

// The values of Dense layer `index` (0-based) of the sentence-transformers head, [out, in],
// as the checkpoint holds them (mlx4: quantized and dequantized again).
std::vector<float> dense_values(const CheckpointSpec& spec, size_t index, int64_t out, int64_t in);

// The values (HF name and meaning) a correct loader must return for `tensor` when
// asked for F32: the generator's values after the storage format's rounding
// (BF16/F16), quantization (the dequantized MLX/GPTQ values) and, for MLX norms,
// the 1 + w round trip.
std::vector<float> reference_values(const CheckpointSpec& spec, const model::TensorSpec& tensor);
// The generator's values before any storage rounding.
std::vector<float> generated_values(const CheckpointSpec& spec, const model::TensorSpec& tensor);

// Raw safetensors writer: tensors in order, each with a byte-producing function.
struct RawTensor {
  std::string name;
  std::string dtype;  // "F32", "BF16", "U32", ...
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};
void write_safetensors(const std::filesystem::path& path, const std::vector<RawTensor>& tensors);
// The bytes of a safetensors file with this JSON header text and data section.
std::vector<uint8_t> safetensors_bytes(const std::string& header_json, const std::vector<uint8_t>& data);

}  // namespace vole::test
