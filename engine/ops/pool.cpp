#include "ops/pool.h"

#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "pool/interface.h"
#include "util/error.h"

namespace vole::ops {

void pool_sequences(gpu::Graph& g, const Tensor& x, const Tensor& offsets, const Tensor& out, Pooling mode) {
  const char* op = "pool_sequences";
  expect_dtype(op, x, DType::F32, "x");
  expect_dtype(op, out, DType::F32, "out");
  expect_dtype(op, offsets, DType::I32, "offsets");
  require(x.rank() == 2 && out.rank() == 2 && x.dim(1) == out.dim(1) && out.dim(0) > 0,
          std::string(op) + ": x must be [T, C] and out [S, C], got " + x.describe() + " and " + out.describe());
  expect_shape(op, offsets, {out.dim(0) + 1}, "offsets");
  require(out.dim(0) <= 65535, std::string(op) + ": at most 65535 sequences per dispatch");
  kernels::PoolPush push{.sequences = static_cast<uint32_t>(out.dim(0)),
                         .cols = static_cast<uint32_t>(x.dim(1)),
                         .mode = mode == Pooling::Mean ? kernels::kPoolMean : kernels::kPoolLast};
  auto& p = g.context().pipeline(kernels::pool_sequences);
  g.dispatch(p, {gpu::in(x.data), gpu::in(offsets.data), gpu::out(out.data)}, push,
             {ceil_div(push.cols, 256), push.sequences, 1}, op);
}

}  // namespace vole::ops
