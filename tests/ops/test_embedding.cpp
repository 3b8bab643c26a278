// embed() against ref::embedding: every table format, sharded tables, out-of-range ids,
// and a recorded graph re-run with new ids. Dequantised rows are exact conversions
// (f16/bf16 -> f32), so those compare exactly; Q4 rows are q·scale + min, which the GPU
// may fuse into one rounding: 1 ulp (rtol 2^-23).
#include <gtest/gtest.h>

#include <climits>

#include "linear_test_util.h"
#include "ops/embedding.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

float tolerance(const ref::HostMatrix& m) { return m.dtype == DType::Q4 ? 0x1p-23f : 0.0f; }

TEST(Embedding, EveryDtype) {
  const std::vector<int32_t> ids = {0, 99, 5, -1, 100, 42, INT32_MAX, INT32_MIN, 99};
  for (const auto& m : {matrix(100, 300, DType::F32, 1), matrix(100, 301, DType::F16, 2),
                        matrix(100, 64, DType::BF16, 3), matrix(100, 96, DType::Q4, 4, 32),
                        matrix(100, 1024, DType::Q4, 5, 128)}) {
    SCOPED_TRACE(m.name);
    ops::Weight table = upload(m);
    auto tids = gpu_tensor_i32(ids, {static_cast<int64_t>(ids.size())});
    auto out = gpu_output({static_cast<int64_t>(ids.size()), m.cols});
    gpu::Graph g(gpu_context(), "embed");
    ops::embed(g, table, tids, out);
    run_graph(g);
    expect_close(read_f32(out), ref::embedding(m.view(), ids), tolerance(m), 0, m.name);
  }
}

TEST(Embedding, ShardedTableNewIdsEachRun) {
  // 1000 rows in 64-row shards (the last one short); ids cover every shard, both ends of
  // each, and out-of-range values. The graph is recorded once and re-run with new ids.
  for (const auto& m : {matrix(1000, 64, DType::F16, 6), matrix(1000, 128, DType::Q4, 7, 64)}) {
    SCOPED_TRACE(m.name);
    uint64_t row_bytes = m.data.size() / m.rows;
    ops::Weight table = upload(m, 100 * row_bytes);
    ASSERT_EQ(table.shards.size(), 16u);
    std::vector<int32_t> first = {0, 63, 64, 127, 500, 959, 960, 999, -7, 1000, 3, 3};
    std::vector<int32_t> second = {999, 1, 640, -1, 64, 128, 2000, 960, 0, 511, 512, 700};
    auto tids = gpu_tensor_i32(first, {12});
    auto out = gpu_output({12, m.cols});
    gpu::Graph g(gpu_context(), "embed sharded");
    ops::embed(g, table, tids, out);
    run_graph(g);
    expect_close(read_f32(out), ref::embedding(m.view(), first), tolerance(m), 0, "first ids");
    gpu_context().upload(*tids.buffer, 0, second.data(), second.size() * 4);
    g.run();
    expect_close(read_f32(out), ref::embedding(m.view(), second), tolerance(m), 0, "second ids");
  }
}

TEST(Embedding, RejectsBadInput) {
  ops::Weight table = upload(matrix(10, 32, DType::F16, 8));
  auto ids = gpu_tensor_i32({1, 2}, {2});
  auto ids_f32 = gpu_tensor({1, 2}, {2});
  auto ids_2d = gpu_tensor_i32({1, 2}, {1, 2});
  auto out = gpu_output({2, 32}), out_wide = gpu_output({2, 33}), out_rows = gpu_output({3, 32});
  gpu::Graph g(gpu_context(), "bad");
  EXPECT_THROW(ops::embed(g, table, ids_f32, out), Error);
  EXPECT_THROW(ops::embed(g, table, ids_2d, out), Error);
  EXPECT_THROW(ops::embed(g, table, ids, out_wide), Error);
  EXPECT_THROW(ops::embed(g, table, ids, out_rows), Error);
  EXPECT_THROW(ops::embed(g, ops::Weight{}, ids, out), Error);
  EXPECT_EQ(g.node_count(), 0u);
}

}  // namespace
