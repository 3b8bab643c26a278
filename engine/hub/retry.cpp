#include "hub/retry.h"

#include <algorithm>
#include <thread>

namespace vole::hub {

std::chrono::milliseconds RetryPolicy::delay_after(int failures, std::mt19937_64& rng) const {
  double d = static_cast<double>(base_delay.count());
  for (int i = 1; i < failures && d < max_delay.count(); ++i) d *= 2;
  d = std::min(d, static_cast<double>(max_delay.count()));
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(d * jitter(rng)));
}

void sleep_or_stop(std::chrono::milliseconds delay, const StopFn& stop) {
  auto until = std::chrono::steady_clock::now() + delay;
  while (true) {
    if (stop && stop()) fail_hub(Failure::Cancelled, "stopped while waiting to retry");
    auto now = std::chrono::steady_clock::now();
    if (now >= until) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(20)));
  }
}

}  // namespace vole::hub
