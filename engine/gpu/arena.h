#pragma once
// Places temporary tensors in one buffer so that tensors whose lifetimes (first to last
// use in execution order, inclusive) overlap never share bytes, and all others may.
#include <cstdint>
#include <vector>

namespace vole::gpu {

struct LifetimeRequest {
  uint64_t bytes = 0;
  uint32_t first_use = 0;  // index of the first node that touches it
  uint32_t last_use = 0;   // index of the last node that touches it
};

struct ArenaPlan {
  std::vector<uint64_t> offsets;  // one per request
  uint64_t total_bytes = 0;       // arena size needed
};

// Greedy best-fit by decreasing size: close to optimal for the chain-like graphs of
// transformer layers, and deterministic.
ArenaPlan plan_arena(const std::vector<LifetimeRequest>& requests, uint64_t alignment);

}  // namespace vole::gpu
