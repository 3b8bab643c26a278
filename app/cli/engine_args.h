#pragma once
// Options shared by the commands that load a model: -m DIR, --device, --weights,
// --ctx, and the sampling flags.
#include <filesystem>

#include "args.h"
#include "runtime/engine.h"

namespace vole::cli {

struct ModelArgs {
  std::filesystem::path dir;
  runtime::EngineOptions options;
};

// -m/--model DIR (required), -d/--device, --weights q4|int4|f16|f32|source, --ctx N,
// --gpu-memory MiB (a limit on the device memory Vole takes).
// `default_dir`: used when -m is absent (empty: -m is required).
ModelArgs parse_model_args(Args& args, model::Format default_weights = model::Format::Q4,
                           const std::filesystem::path& default_dir = {});

// --temp, --top-k, --top-p, --min-p, --repeat-penalty, --presence-penalty,
// --frequency-penalty, --seed, starting from `defaults`.
runtime::SamplingOptions parse_sampling(Args& args, runtime::SamplingOptions defaults);

// Loads the engine, reporting progress on stderr when it is a terminal; on `device` when
// given (several models sharing one), else on a device of its own.
std::unique_ptr<runtime::Engine> load_engine(ModelArgs model_args);
std::unique_ptr<runtime::Engine> load_engine(ModelArgs model_args, std::shared_ptr<runtime::Device> device);

}  // namespace vole::cli
