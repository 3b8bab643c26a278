#include <gtest/gtest.h>

#include <atomic>
#include <numeric>

#include "core/interface.h"
#include "gpu/context.h"
#include "gpu/graph.h"
#include "gpu/pipeline.h"
#include "util/error.h"

using namespace vole;
using namespace vole::gpu;

namespace {
using kernels::CopyPush;

void add_copy(Graph& g, Operand src, Operand dst, const std::string& label) {
  auto& p = g.context().pipeline(kernels::copy_u32x4);
  uint32_t vecs = static_cast<uint32_t>(src.bytes / 16);
  g.dispatch(p, {in(src), out(dst)}, CopyPush{vecs}, {std::min(1024u, (vecs + 255) / 256), 1, 1}, label);
}
}  // namespace

TEST(Graph, ChainOfCopiesSharesArenaAndRunsRepeatedly) {
  Context ctx;
  const uint64_t bytes = 1 << 20;
  std::vector<uint32_t> data(bytes / 4);
  std::iota(data.begin(), data.end(), 7u);
  Buffer src = ctx.create_buffer(bytes, MemoryKind::Device, "src");
  Buffer dst = ctx.create_buffer(bytes, MemoryKind::Device, "dst");
  ctx.upload(src, 0, data.data(), bytes);

  Graph g(ctx, "chain");
  Operand prev = whole(src);
  for (int i = 0; i < 8; ++i) {
    Operand a = g.new_activation(bytes, "a" + std::to_string(i));
    add_copy(g, prev, a, "copy");
    prev = a;
  }
  add_copy(g, prev, whole(dst), "copy_out");
  g.compile();
  EXPECT_EQ(g.node_count(), 9u);
  EXPECT_EQ(g.unshared_activation_bytes(), 8 * bytes);
  EXPECT_EQ(g.arena_bytes(), 2 * bytes);  // liveness: only two activations alive at once
  EXPECT_EQ(g.barrier_count(), 8u);       // every copy reads the previous one's output

  for (int run = 0; run < 3; ++run) {
    ctx.fill(dst, 0, bytes, 0);
    g.run();
    std::vector<uint32_t> back(bytes / 4);
    ctx.download(dst, 0, back.data(), bytes);
    ASSERT_EQ(back, data) << "run " << run;
  }
  EXPECT_EQ(ctx.validation_errors(), 0u);
}

// A graph cut into parts runs them in order (an activation flowing through the cut keeps
// its bytes, a barrier at the start of a part orders it after the earlier parts), and
// run(cancel) stops between parts: what the first part wrote is there, the second's not.
TEST(Graph, CutGraphRunsPartByPartAndStopsBetweenThem) {
  Context ctx;
  const uint64_t bytes = 1 << 16;
  std::vector<uint32_t> data(bytes / 4);
  std::iota(data.begin(), data.end(), 3u);
  Buffer src = ctx.create_buffer(bytes, MemoryKind::Device, "src");
  Buffer mid = ctx.create_buffer(bytes, MemoryKind::Device, "mid");
  Buffer dst = ctx.create_buffer(bytes, MemoryKind::Device, "dst");
  ctx.upload(src, 0, data.data(), bytes);

  Graph g(ctx, "parts");
  g.cut();  // nothing before it: no empty part
  Operand a = g.new_activation(bytes, "a");
  add_copy(g, whole(src), a, "in");
  add_copy(g, a, whole(mid), "mid");
  g.cut();
  g.cut();  // twice in a row: one cut
  Operand b = g.new_activation(bytes, "b");
  add_copy(g, a, b, "through the cut");
  add_copy(g, b, whole(dst), "out");
  g.cut();  // nothing after it: no empty part
  g.compile();
  EXPECT_EQ(g.part_count(), 2u);
  EXPECT_THROW(g.cut(), Error) << "compiled";

  auto read = [&](const Buffer& buf) {
    std::vector<uint32_t> back(bytes / 4);
    ctx.download(buf, 0, back.data(), bytes);
    return back;
  };
  std::atomic<bool> stop{true};
  ctx.fill(mid, 0, bytes, 0);
  ctx.fill(dst, 0, bytes, 0);
  EXPECT_FALSE(g.run(&stop));
  EXPECT_EQ(read(mid), data) << "the first part ran";
  EXPECT_EQ(read(dst), std::vector<uint32_t>(bytes / 4, 0u)) << "the second did not";
  stop = false;
  for (int run = 0; run < 2; ++run) {
    ctx.fill(dst, 0, bytes, 0);
    EXPECT_TRUE(g.run(&stop));
    ASSERT_EQ(read(dst), data) << "run " << run;
  }
  EXPECT_EQ(ctx.validation_errors(), 0u);
}

TEST(Graph, IndependentDispatchesNeedNoBarrier) {
  Context ctx;
  Buffer a = ctx.create_buffer(4096, MemoryKind::Device, "a");
  Buffer b = ctx.create_buffer(4096, MemoryKind::Device, "b");
  Buffer c = ctx.create_buffer(4096, MemoryKind::Device, "c");
  Graph g(ctx, "fanout");
  add_copy(g, whole(a), whole(b), "copy1");
  add_copy(g, whole(a), whole(c), "copy2");  // same source, different target: no hazard
  add_copy(g, whole(b), whole(a), "copy3");  // reads b (written) and writes a (read): hazard
  g.compile();
  EXPECT_EQ(g.barrier_count(), 1u);
}

TEST(Graph, ProfileReportsEveryLabel) {
  Context ctx;
  if (!ctx.info().timestamps) GTEST_SKIP() << "device has no timestamps";
  Buffer a = ctx.create_buffer(1 << 20, MemoryKind::Device, "a");
  Buffer b = ctx.create_buffer(1 << 20, MemoryKind::Device, "b");
  Graph g(ctx, "profiled");
  add_copy(g, whole(a), whole(b), "forward");
  add_copy(g, whole(b), whole(a), "backward");
  add_copy(g, whole(a), whole(b), "forward");
  g.compile(true);
  g.run();
  Profile p = g.last_profile();
  ASSERT_EQ(p.kernels.size(), 2u);
  uint32_t calls = 0;
  for (auto& k : p.kernels) calls += k.calls;
  EXPECT_EQ(calls, 3u);
  EXPECT_GT(p.total_us, 0.0);
  EXPECT_NE(p.table().find("forward"), std::string::npos);
}

TEST(Graph, RejectsBadDispatches) {
  Context ctx;
  Buffer a = ctx.create_buffer(4096, MemoryKind::Device, "a");
  Graph g(ctx, "bad");
  auto& p = ctx.pipeline(kernels::copy_u32x4);
  // wrong number of bindings
  EXPECT_THROW(g.dispatch(p, {in(whole(a))}, CopyPush{1}, {1, 1, 1}, "x"), Error);
  // zero workgroups
  EXPECT_THROW(g.dispatch(p, {in(whole(a)), out(whole(a))}, CopyPush{1}, {0, 1, 1}, "x"), Error);
  // slice outside the buffer
  EXPECT_THROW(slice(a, 4000, 200), Error);
  // binding larger than maxStorageBufferRange
  uint64_t too_big = ctx.info().max_storage_buffer_range + 16;
  if (too_big < (1ull << 32)) {
    Buffer big = ctx.create_buffer(too_big, MemoryKind::Device, "big");
    EXPECT_THROW(g.dispatch(p, {in(whole(big)), out(whole(a))}, CopyPush{1}, {1, 1, 1}, "x"), Error);
  }
  // running before compile
  EXPECT_THROW(g.run(), Error);
}
