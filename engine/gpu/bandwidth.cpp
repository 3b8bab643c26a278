#include "gpu/bandwidth.h"

#include <algorithm>

#include "core/interface.h"
#include "gpu/graph.h"
#include "gpu/timing.h"

namespace vole::gpu {

CopyBandwidth measure_copy_bandwidth(Context& ctx, double target_us, int runs) {
  const auto& info = ctx.info();
  uint64_t bytes = std::min<uint64_t>({256ull << 20, info.max_storage_buffer_range, info.device_local_bytes() / 8});
  bytes = bytes / 4096 * 4096;
  Buffer src = ctx.create_buffer(bytes, MemoryKind::Device, "copy src");
  Buffer dst = ctx.create_buffer(bytes, MemoryKind::Device, "copy dst");
  ctx.fill(src, 0, bytes, 0x3f800000u);  // never time untouched memory
  ctx.fill(dst, 0, bytes, 0);
  uint32_t vectors = static_cast<uint32_t>(bytes / 16);
  auto& pipeline = ctx.pipeline(kernels::copy_u32x4);
  uint32_t groups = std::min<uint32_t>((vectors + 255) / 256, info.max_workgroup_count[0]);
  auto time_with = [&](int reps, int timed_runs) {
    Graph g(ctx, "copy bandwidth");
    for (int i = 0; i < reps; ++i)
      g.dispatch(pipeline, {in(whole(src)), out(whole(dst))}, kernels::CopyPush{vectors}, {groups, 1, 1}, "copy");
    return gpu_us_per_call(g, timed_runs).at("copy");
  };
  // Enough repetitions for a timed run of about target_us, judged from a short probe.
  double probe = time_with(1, 1);
  int reps = static_cast<int>(std::clamp(target_us / probe, 3.0, 100.0));
  return {bytes, time_with(reps, runs)};
}

}  // namespace vole::gpu
