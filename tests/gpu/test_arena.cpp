#include <gtest/gtest.h>

#include <random>

#include "gpu/arena.h"

using namespace vole::gpu;

static bool lifetimes_overlap(const LifetimeRequest& a, const LifetimeRequest& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

TEST(Arena, ChainReusesMemory) {
  // x0 -> x1 -> ... -> x9, each alive for two consecutive nodes: two slots suffice.
  std::vector<LifetimeRequest> reqs;
  for (uint32_t i = 0; i < 10; ++i) reqs.push_back({1000, i, i + 1});
  auto plan = plan_arena(reqs, 256);
  EXPECT_EQ(plan.total_bytes, 2 * 1024u);
}

TEST(Arena, NeverOverlapsLiveTensors) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<LifetimeRequest> reqs;
    for (int i = 0; i < 60; ++i) {
      uint32_t a = rng() % 100, b = a + rng() % 20;
      reqs.push_back({1 + rng() % 100000, a, b});
    }
    auto plan = plan_arena(reqs, 256);
    uint64_t sum = 0;
    for (size_t i = 0; i < reqs.size(); ++i) {
      sum += reqs[i].bytes;
      EXPECT_EQ(plan.offsets[i] % 256, 0u);
      EXPECT_LE(plan.offsets[i] + reqs[i].bytes, plan.total_bytes);
      for (size_t j = 0; j < i; ++j) {
        if (!lifetimes_overlap(reqs[i], reqs[j])) continue;
        bool disjoint = plan.offsets[i] + reqs[i].bytes <= plan.offsets[j] ||
                        plan.offsets[j] + reqs[j].bytes <= plan.offsets[i];
        ASSERT_TRUE(disjoint) << "live tensors " << i << " and " << j << " share bytes";
      }
    }
    EXPECT_LT(plan.total_bytes, sum + 60 * 256);
  }
}
