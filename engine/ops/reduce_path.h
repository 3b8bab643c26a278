#pragma once
// Kernels that reduce across a workgroup (norms, argmax) come in two compiled variants:
// subgroup arithmetic, where the device supports it in compute shaders, and a
// shared-memory tree that runs everywhere. The variant is picked per context at the
// time an op is recorded.
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

// The two compiled variants of one reducing kernel, e.g. {norm_rms, norm_rms_sg}.
struct ReduceKernels {
  gpu::KernelName shared_memory, subgroup;
};

// Which of the two variants to use on this context.
gpu::KernelName reduce_variant(const gpu::Context& ctx, const ReduceKernels& variants);

}  // namespace vole::ops
