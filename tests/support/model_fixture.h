#pragma once
// Shared fixture for model-level tests: tiny random checkpoints of each family written
// by the project's generator, the engine that runs them on the GPU, and the CPU
// reference forward pass fed exactly the weights the GPU sees.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/weight_loader.h"
#include "reference/model_forward.h"
#include "runtime/engine.h"
#include "support/checkpoint_writer.h"
#include "support/temp_dir.h"

namespace vole::test {

struct TinyModel {
  std::filesystem::path dir;
  CheckpointSpec spec;
};

// A tiny checkpoint of `preset` ("tiny-qwen3_5" / "tiny-qwen3") in `format`, with
// `vocab` entries (small vocabularies keep lavapipe runs short; 0 keeps the preset's).
// `edit` changes the config before it is written (its folder gets `edit_name` appended).
TinyModel make_tiny_model(const TempDir& dir, const std::string& preset, CheckpointFormat format, int vocab,
                          uint64_t seed = 7, bool tied_embeddings = true,
                          const std::function<void(CheckpointSpec&)>& edit = {}, const std::string& edit_name = "");

// The reference's view of a config.json, derived from the file (not from engine code).
ref::ModelSpec reference_spec(const nlohmann::json& config);
ref::ModelSpec reference_spec(const CheckpointSpec& spec);

// Every text tensor as f32, exactly as the GPU receives it for this `weights` format
// (Q4 matrices dequantised, bf16 widened).
ref::WeightMap reference_weights(const std::filesystem::path& dir, model::Format weights);

runtime::EngineOptions engine_options(model::Format weights, int64_t context = 512);

// max |a - b| over the row, divided by max |b|: the error relative to the logit scale.
double relative_error(const float* got, const float* want, size_t n);

// The argmax of a row (first on ties) and the gap to the runner-up.
int32_t argmax(const std::vector<float>& row, float* margin = nullptr);

std::vector<int32_t> token_sequence(size_t n, int32_t vocab, uint32_t seed);

}  // namespace vole::test
