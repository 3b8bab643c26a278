#pragma once
// Shared by the weight-kernel tests: upload helpers and the tolerance check.
#include <string>
#include <vector>

#include "ops/weight.h"
#include "reference/linear.h"
#include "support/gpu_test.h"

namespace vole::test {

inline ops::Weight upload(const ref::HostMatrix& m, uint64_t max_shard_bytes = 0) {
  return ops::upload_weight(gpu_context(), m.view(), max_shard_bytes);
}

// Random matrix with a readable name for messages.
inline ref::HostMatrix matrix(int64_t rows, int64_t cols, DType dtype, uint64_t seed, int group = 128) {
  ref::HostMatrix m = ref::random_matrix(rows, cols, dtype, seed, group);
  m.name = std::string(dtype_name(dtype)) + (dtype == DType::Q4 ? "/g" + std::to_string(group) : "") + "[" +
           std::to_string(rows) + "," + std::to_string(cols) + "]";
  return m;
}

// Fails unless |got - want| <= rtol * magnitude everywhere (magnitude: the size of what
// the kernel rounds, see ref::linear) and nothing is NaN; reports the worst element.
void expect_within(const std::vector<float>& got, const ref::LinearResult& want, double rtol, const std::string& what);

}  // namespace vole::test
