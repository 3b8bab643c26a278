#include "ops/reduce_path.h"

#include "util/error.h"

namespace vole::ops {

namespace {
ReducePath g_path = ReducePath::Auto;
}

void set_reduce_path(ReducePath path) { g_path = path; }
ReducePath reduce_path() { return g_path; }

gpu::KernelName reduce_variant(const gpu::Context& ctx, const ReduceKernels& variants) {
  bool subgroup = ctx.info().subgroup_arithmetic;
  if (g_path == ReducePath::Subgroup && !subgroup)
    fail(ErrorCode::Unsupported, variants.shared_memory.str() + ": subgroup reductions requested, but " +
                                     ctx.info().name + " has no subgroup arithmetic in compute shaders");
  if (g_path == ReducePath::SharedMemory) subgroup = false;
  return subgroup ? variants.subgroup : variants.shared_memory;
}

}  // namespace vole::ops
