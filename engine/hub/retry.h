#pragma once
// Retrying transient failures (network errors, dropped connections, 5xx, 429) with
// exponential backoff and jitter. Permanent ones (401/403/404, integrity) are not retried.
#include <chrono>
#include <random>

#include "hub/failure.h"
#include "hub/http.h"

namespace vole::hub {

struct RetryPolicy {
  int max_attempts = 6;  // tries of one request that makes no progress
  std::chrono::milliseconds base_delay{500};
  std::chrono::milliseconds max_delay{30000};

  // Delay before retry number `failures` (1 = first retry): base * 2^(failures-1),
  // capped, then scaled by a random factor in [0.5, 1] so clients do not retry in step.
  std::chrono::milliseconds delay_after(int failures, std::mt19937_64& rng) const;
};

// Sleeps unless stop() turns true first (polled every 20 ms); then throws Cancelled.
void sleep_or_stop(std::chrono::milliseconds delay, const StopFn& stop);

// Runs fn() until it succeeds, retrying retryable HubErrors per the policy.
template <class F>
auto with_retries(const RetryPolicy& policy, const StopFn& stop, F&& fn) -> decltype(fn()) {
  std::mt19937_64 rng{std::random_device{}()};
  for (int failures = 0;; ) {
    try {
      return fn();
    } catch (const HubError& e) {
      if (!e.retryable() || ++failures >= policy.max_attempts) throw;
      sleep_or_stop(policy.delay_after(failures, rng), stop);
    }
  }
}

}  // namespace vole::hub
