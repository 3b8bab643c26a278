#include "arch/blocks/embedding.h"

#include "ops/embedding.h"
#include "util/error.h"

namespace vole::arch {

void record_embedding(gpu::Graph& g, const WeightRef& table, const StepInputs& in, const ops::Tensor& x) {
  ops::embed(g, table.matrix(), in.ids, x);
  const int64_t T = x.dim(0), hidden = x.dim(1);
  for (const auto& inj : in.injected) {
    const int64_t n = inj.values.dim(0);
    require(inj.values.dtype == DType::F32 && inj.values.rank() == 2 && inj.values.dim(1) == hidden,
            "injected embeddings must be f32 [n, " + std::to_string(hidden) + "], got " + inj.values.describe());
    require(inj.row >= 0 && inj.row + n <= T, "injected rows [" + std::to_string(inj.row) + ", " +
                                                  std::to_string(inj.row + n) + ") fall outside the " +
                                                  std::to_string(T) + " tokens of this pass");
    g.copy(inj.values.data, x.rows(inj.row, n).data, "inject embeddings");
  }
}

}  // namespace vole::arch
