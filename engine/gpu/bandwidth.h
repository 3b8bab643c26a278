#pragma once
// The device's measured memory bandwidth: the copy kernel over a large buffer (each
// byte read once and written once), timed with GPU timestamps. Every "fraction of
// bandwidth" a benchmark reports is relative to this number, measured in the same run.
#include <cstdint>

#include "gpu/context.h"

namespace vole::gpu {

struct CopyBandwidth {
  uint64_t bytes = 0;  // buffer size; each copy reads and writes it
  double us = 0;       // GPU time of one copy
  double gbps() const { return us > 0 ? 2.0 * bytes / (us * 1e3) : 0.0; }
};

// Repeats the copy for about `target_us` of GPU time per timed run; median of `runs`.
CopyBandwidth measure_copy_bandwidth(Context& ctx, double target_us = 200000, int runs = 5);

}  // namespace vole::gpu
