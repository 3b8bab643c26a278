#include "gpu/timing.h"

#include <algorithm>
#include <vector>

#include "gpu/context.h"
#include "util/error.h"

namespace vole::gpu {

std::map<std::string, double> gpu_us_per_call(Graph& g, int runs) {
  require(runs >= 1, "bench: need at least one timed run");
  if (!g.context().info().timestamps)
    fail(ErrorCode::Unsupported, g.context().info().name + " has no GPU timestamps to time kernels with");
  g.compile(/*profile=*/true);
  g.run();  // warm-up: first-touch of memory, lazy driver work
  std::map<std::string, std::vector<double>> samples;
  for (int r = 0; r < runs; ++r) {
    g.run();
    for (const auto& k : g.last_profile().kernels) samples[k.label].push_back(k.total_us / std::max(1u, k.calls));
  }
  std::map<std::string, double> out;
  for (auto& [label, v] : samples) {
    std::sort(v.begin(), v.end());
    out[label] = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  }
  return out;
}

}  // namespace vole::gpu
