#pragma once
// GPU time of the nodes of a graph, from timestamps (gpu::Graph profiling).
#include <map>
#include <string>

#include "gpu/graph.h"

namespace vole::gpu {

// Compiles `g` with profiling (a timestamp and a barrier around every node), runs it once
// to warm up, then `runs` times. Returns, per node label, the GPU time of one call in µs:
// the median over runs of (label total / calls). Throws Unsupported without timestamps.
std::map<std::string, double> gpu_us_per_call(gpu::Graph& g, int runs);

}  // namespace vole::gpu
