#pragma once
// Kernels that reduce across a workgroup (norms, argmax) come in two compiled variants:
// subgroup arithmetic, where the device supports it in compute shaders, and a
// shared-memory tree that runs everywhere. The variant is picked per context at the
// time an op is recorded.
#include <string>

#include "gpu/context.h"

namespace vole::ops {

enum class ReducePath {
  Auto,          // subgroup arithmetic when the device has it
  Subgroup,      // always subgroup arithmetic (an op fails on a device without it)
  SharedMemory,  // never subgroup arithmetic
};

// Process-wide choice, for tests and benchmarks that compare the variants. Not thread-safe:
// set it before recording graphs.
void set_reduce_path(ReducePath path);
ReducePath reduce_path();

// Name of the variant of `kernel` to use on this context: "<kernel>_sg" or "<kernel>".
std::string reduce_variant(const gpu::Context& ctx, const std::string& kernel);

}  // namespace vole::ops
