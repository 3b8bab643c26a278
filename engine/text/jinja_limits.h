#pragma once
// Bounds on one render, so a hostile or broken template cannot hang Vole or take all
// its memory: a step budget, a deadline, a cancel flag (Stop and Quit), and a memory
// budget for what the template builds (its strings, lists, dicts and output). The
// defaults are far above what any published chat template needs (a long conversation
// with tools renders in well under a million steps and a few MiB).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace vole::text::jinja {

struct RenderLimits {
  uint64_t max_steps = 10'000'000;             // statements, expressions and loop iterations
  std::chrono::milliseconds max_time{10'000};  // wall clock
  size_t max_memory = size_t{512} << 20;       // bytes held by what the template built
  const std::atomic<bool>* cancel = nullptr;   // set from any thread: Cancelled
};

// The bytes held by the values one render built and has not freed yet. Values keep it
// alive through their deleters, which may run after the render has ended.
struct MemoryMeter {
  explicit MemoryMeter(size_t limit) : limit(limit) {}
  const size_t limit;
  std::atomic<size_t> live{0};
};

// The meter of the render running on this thread (null outside a render).
const std::shared_ptr<MemoryMeter>& active_meter();

// Makes `meter` the active one for its lifetime (renders may nest: a macro's caller).
class MeterScope {
 public:
  explicit MeterScope(std::shared_ptr<MemoryMeter> meter);
  ~MeterScope();
  MeterScope(const MeterScope&) = delete;
  MeterScope& operator=(const MeterScope&) = delete;

 private:
  std::shared_ptr<MemoryMeter> saved_;
};

// Counts `bytes` against the active render (if any); fails naming `what` and its size
// when the budget would be exceeded. refund() gives them back.
void charge(MemoryMeter& meter, size_t bytes, const char* what);
inline void refund(MemoryMeter& meter, size_t bytes) { meter.live.fetch_sub(bytes, std::memory_order_relaxed); }

// Checks that a result of `bytes` that is about to be built (a repetition, a padded
// string, an indented dump) fits in what is left of the budget; fails naming `what`.
// Outside a render the default budget applies.
void check_size(size_t bytes, const char* what);
// Same, for a count of items times their size, without overflow.
void check_size(uint64_t count, size_t item_bytes, const char* what);

// "512 MiB", "3.0 GiB", "931 TiB": sizes in the messages.
std::string format_size(double bytes);

}  // namespace vole::text::jinja
