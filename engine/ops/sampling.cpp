#include "ops/sampling.h"

#include <algorithm>
#include <bit>

#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "ops/reduce_path.h"
#include "sampling/interface.h"
#include "util/error.h"

namespace vole::ops {

namespace {

// A row is cut into chunks of at least kMinChunk elements, at most kMaxChunks of them,
// each handled by one workgroup of the first pass; the second pass merges the chunks'
// results. For the 248320-token vocabulary: 61 chunks of 4096.
constexpr int64_t kMinChunk = 4096;
constexpr int64_t kMaxChunks = 64;
constexpr uint32_t kWorkgroup = kernels::kSelectSlots;  // selection kernels; argmax at most
static_assert(kMaxCandidates == kernels::kSelectSlots, "one candidate per invocation of a selection workgroup");

struct Chunking {
  uint32_t chunk, chunks;
};

Chunking chunking(int64_t vocab) {
  int64_t chunk = std::max(kMinChunk, (vocab + kMaxChunks - 1) / kMaxChunks);
  return {static_cast<uint32_t>(chunk), static_cast<uint32_t>((vocab + chunk - 1) / chunk)};
}

// The vocabulary size of a logits row given as [V] or [1, V].
int64_t row_vocab(const char* op, const Tensor& logits) {
  expect_dtype(op, logits, DType::F32, "logits");
  require((logits.rank() == 1 || (logits.rank() == 2 && logits.dim(0) == 1)) && logits.numel() > 0,
          std::string(op) + ": logits must be one row [1, V], got " + logits.describe());
  require(logits.numel() < (int64_t{1} << 31), std::string(op) + ": vocabulary too large: " + logits.describe());
  return logits.numel();
}

// The selection kernels run 256 invocations per workgroup (one candidate each).
void require_selection_support(const gpu::Context& ctx, const char* op) {
  const auto& info = ctx.info();
  if (info.max_workgroup_invocations < kWorkgroup || info.max_workgroup_size[0] < kWorkgroup)
    fail(ErrorCode::Unsupported, std::string(op) + ": needs workgroups of " + std::to_string(kWorkgroup) +
                                     " invocations; " + info.name + " allows " +
                                     std::to_string(info.max_workgroup_invocations));
}

// Top-k pass 1 (optionally with penalties) into a candidate activation [chunks, k].
Tensor partial_top_k(gpu::Graph& g, const Tensor& logits, int64_t vocab, uint32_t k, const Tensor* counts,
                     const Tensor* params, const Chunking& c) {
  Tensor cand = activation(g, DType::U32, {static_cast<int64_t>(c.chunks) * k, 2}, "top_k candidates");
  kernels::TopkPartialPush push{.vocab = static_cast<uint32_t>(vocab), .chunk = c.chunk, .k = k};
  auto& ctx = g.context();
  if (counts)
    g.dispatch(ctx.pipeline(kernels::topk_partial_penalised),
               {gpu::in(logits.data), gpu::in(counts->data), gpu::in(params->data), gpu::out(cand.data)}, push,
               {c.chunks, 1, 1}, "top_k_partial");
  else
    g.dispatch(ctx.pipeline(kernels::topk_partial), {gpu::in(logits.data), gpu::out(cand.data)}, push, {c.chunks, 1, 1},
               "top_k_partial");
  return cand;
}

}  // namespace

Tensor sampler_params_view(const gpu::Buffer& buffer, uint64_t offset) {
  return view(buffer, DType::U32, {sizeof(SamplerParams) / 4}, offset);
}

void argmax(gpu::Graph& g, const Tensor& logits, const Tensor& ids) {
  expect_dtype("argmax", logits, DType::F32, "logits");
  expect_dtype("argmax", ids, DType::I32, "ids");
  require(logits.rank() == 2 && logits.numel() > 0, "argmax: logits must be [R, V], got " + logits.describe());
  int64_t rows = logits.dim(0), vocab = logits.dim(1);
  expect_shape("argmax", ids, {rows}, "ids");
  require(logits.numel() < (int64_t{1} << 32), "argmax: too many logits: " + logits.describe());
  auto& ctx = g.context();
  require(rows <= ctx.info().max_workgroup_count[1] && rows <= ctx.info().max_workgroup_count[0],
          "argmax: too many rows: " + logits.describe());
  Chunking c = chunking(vocab);
  Tensor best = activation(g, DType::U32, {rows * c.chunks, 2}, "argmax partial");
  kernels::ArgmaxPush push{.vocab = static_cast<uint32_t>(vocab), .chunk = c.chunk, .chunks = c.chunks};
  uint32_t wg = std::min(kWorkgroup, std::bit_floor(ctx.info().max_workgroup_invocations));
  g.dispatch(ctx.pipeline(reduce_variant(ctx, {kernels::argmax_partial, kernels::argmax_partial_sg}), {wg}),
             {gpu::in(logits.data), gpu::out(best.data)}, push, {c.chunks, static_cast<uint32_t>(rows), 1}, "argmax");
  g.dispatch(ctx.pipeline(reduce_variant(ctx, {kernels::argmax_final, kernels::argmax_final_sg}), {wg}),
             {gpu::in(best.data), gpu::out(ids.data)}, push, {static_cast<uint32_t>(rows), 1, 1}, "argmax_merge");
}

void top_k(gpu::Graph& g, const Tensor& logits, const Tensor& values, const Tensor& ids) {
  int64_t vocab = row_vocab("top_k", logits);
  expect_dtype("top_k", values, DType::F32, "values");
  expect_dtype("top_k", ids, DType::I32, "ids");
  require(values.rank() == 1, "top_k: values must be [k], got " + values.describe());
  int64_t k = values.dim(0);
  expect_shape("top_k", ids, {k}, "ids");
  require(k >= 1 && k <= kMaxCandidates,
          "top_k: k must be in [1, " + std::to_string(kMaxCandidates) + "], got " + std::to_string(k));
  require(k <= vocab, "top_k: k = " + std::to_string(k) + " exceeds the " + std::to_string(vocab) + " logits");
  require_selection_support(g.context(), "top_k");
  Chunking c = chunking(vocab);
  Tensor cand = partial_top_k(g, logits, vocab, static_cast<uint32_t>(k), nullptr, nullptr, c);
  kernels::TopkMergePush push{.chunks = c.chunks, .k = static_cast<uint32_t>(k)};
  g.dispatch(g.context().pipeline(kernels::topk_merge), {gpu::in(cand.data), gpu::out(values.data), gpu::out(ids.data)},
             push, {1, 1, 1}, "top_k_merge");
}

void sample(gpu::Graph& g, const Tensor& logits, const Tensor& history, const Tensor& params, const Tensor& token) {
  int64_t vocab = row_vocab("sample", logits);
  expect_dtype("sample", history, DType::I32, "history");
  require(history.rank() == 1 && history.numel() > 0,
          "sample: history must be a non-empty [N] i32 buffer, got " + history.describe());
  require(params.bytes() == sizeof(SamplerParams), "sample: params must hold one SamplerParams (" +
                                                       std::to_string(sizeof(SamplerParams)) + " bytes), got " +
                                                       params.describe());
  expect_dtype("sample", token, DType::I32, "token");
  expect_shape("sample", token, {1}, "token");
  require(history.numel() < (int64_t{1} << 32), "sample: history too long: " + history.describe());
  auto& ctx = g.context();
  require_selection_support(ctx, "sample");

  // Occurrences of each token in the history, for the penalties.
  Tensor counts = activation(g, DType::U32, {vocab}, "penalty counts");
  g.fill(counts.data, 0, "penalty_counts_clear");
  kernels::PenaltyCountsPush count_push{.capacity = static_cast<uint32_t>(history.numel()),
                                        .vocab = static_cast<uint32_t>(vocab)};
  g.dispatch(ctx.pipeline(kernels::penalty_counts),
             {gpu::in(history.data), gpu::in(params.data), gpu::out(counts.data)}, count_push,
             {std::min<uint32_t>(ceil_div(history.numel(), 256), 65535u), 1, 1}, "penalty_counts");

  Chunking c = chunking(vocab);
  Tensor cand = partial_top_k(g, logits, vocab, kMaxCandidates, &counts, &params, c);
  kernels::TopkMergePush push{.chunks = c.chunks, .k = kMaxCandidates};
  g.dispatch(ctx.pipeline(kernels::sample_merge), {gpu::in(cand.data), gpu::in(params.data), gpu::out(token.data)},
             push, {1, 1, 1}, "sample");
}

}  // namespace vole::ops
