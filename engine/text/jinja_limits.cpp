#include "text/jinja_limits.h"

#include <cstdio>
#include <limits>

#include "util/error.h"

namespace vole::text::jinja {

namespace {
thread_local std::shared_ptr<MemoryMeter> current;

[[noreturn]] void over_budget(size_t limit, double bytes, const char* what) {
  fail(ErrorCode::InvalidFile, std::string(what) + " would need " + format_size(bytes) +
                                   ", more than the template memory budget of " +
                                   format_size(static_cast<double>(limit)));
}
}  // namespace

std::string format_size(double bytes) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    ++u;
  }
  char buf[48];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
  else
    std::snprintf(buf, sizeof buf, bytes < 10 ? "%.1f %s" : "%.0f %s", bytes, units[u]);
  return buf;
}

const std::shared_ptr<MemoryMeter>& active_meter() { return current; }

MeterScope::MeterScope(std::shared_ptr<MemoryMeter> meter) : saved_(std::move(current)) { current = std::move(meter); }
MeterScope::~MeterScope() { current = std::move(saved_); }

void charge(MemoryMeter& meter, size_t bytes, const char* what) {
  size_t now = meter.live.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (now > meter.limit) {
    meter.live.fetch_sub(bytes, std::memory_order_relaxed);
    over_budget(meter.limit, static_cast<double>(bytes), what);
  }
}

void check_size(size_t bytes, const char* what) {
  const auto& m = current;
  size_t limit = m ? m->limit : RenderLimits{}.max_memory;
  size_t live = m ? m->live.load(std::memory_order_relaxed) : 0;
  if (bytes > limit || live > limit - bytes) over_budget(limit, static_cast<double>(bytes), what);
}

void check_size(uint64_t count, size_t item_bytes, const char* what) {
  if (item_bytes && count > std::numeric_limits<size_t>::max() / item_bytes)
    over_budget(current ? current->limit : RenderLimits{}.max_memory,
                static_cast<double>(count) * static_cast<double>(item_bytes), what);
  check_size(static_cast<size_t>(count * item_bytes), what);
}

}  // namespace vole::text::jinja
