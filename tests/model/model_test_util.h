#pragma once
// Shared helpers for the model loader tests: small checkpoints and loaded copies.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/weight_loader.h"
#include "support/checkpoint_writer.h"
#include "util/error.h"
#include "util/host_tensor.h"

namespace vole::test {

// A preset shrunk for unit tests: small vocabulary, no tokenizer copy.
CheckpointSpec small_spec(const std::string& preset, CheckpointFormat format, int64_t vocab = 1024);

// A loaded tensor copied out of the callback, with its values in f32.
struct Loaded {
  HostTensor info;  // spans cleared
  model::PlannedTensor plan;
  std::vector<uint8_t> data, scales;
  std::vector<float> values;  // dequantized / converted to f32
};
std::vector<float> host_values(const HostTensor& t);
std::map<std::string, Loaded> load_all(model::WeightLoader& loader);

// The f16 scale of the Q4 group holding element i.
float q4_scale_at(const Loaded& l, size_t i);

// The tensors the checkpoint's family declares for `selection`.
std::vector<model::TensorSpec> expected_tensors(const CheckpointSpec& spec,
                                                const model::Selection& selection = model::Selection::core());
// The expected-tensor spec of `name` for the checkpoint's config.
model::TensorSpec spec_of(const CheckpointSpec& spec, const std::string& name);

// Runs fn, returns the vole::Error message (empty if nothing was thrown).
std::string error_text(const std::function<void()>& fn, ErrorCode* code = nullptr);

}  // namespace vole::test
