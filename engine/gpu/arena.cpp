#include "gpu/arena.h"

#include <algorithm>
#include <numeric>

namespace vole::gpu {

ArenaPlan plan_arena(const std::vector<LifetimeRequest>& requests, uint64_t alignment) {
  ArenaPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return requests[a].bytes > requests[b].bytes; });

  struct Placed {
    uint64_t begin, end;
    uint32_t first, last;
  };
  std::vector<Placed> placed;
  auto align_up = [&](uint64_t v) { return (v + alignment - 1) / alignment * alignment; };

  for (size_t idx : order) {
    const auto& r = requests[idx];
    if (r.bytes == 0) continue;
    uint64_t size = align_up(r.bytes);
    // Byte ranges already taken by tensors alive at the same time, sorted by start.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (const auto& p : placed)
      if (p.first <= r.last_use && r.first_use <= p.last) busy.push_back({p.begin, p.end});
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap that holds it; else after the last busy range.
    uint64_t best = UINT64_MAX, best_gap = UINT64_MAX, cursor = 0;
    for (const auto& [b, e] : busy) {
      if (b > cursor && b - cursor >= size && b - cursor < best_gap) {
        best = cursor;
        best_gap = b - cursor;
      }
      cursor = std::max(cursor, e);
    }
    if (best == UINT64_MAX) best = cursor;
    plan.offsets[idx] = best;
    placed.push_back({best, best + size, r.first_use, r.last_use});
    plan.total_bytes = std::max(plan.total_bytes, best + size);
  }
  return plan;
}

}  // namespace vole::gpu
