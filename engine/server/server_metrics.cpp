#include "server/server_metrics.h"

#include <cstdio>

namespace vole::server {

void ServerMetrics::request(const std::string& endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
}

void ServerMetrics::generation(int64_t prompt_tokens, int64_t generated_tokens, double ttft_ms, double queue_ms,
                               bool cancelled) {
  std::lock_guard lock(mutex_);
  prompt_tokens_ += prompt_tokens;
  generated_tokens_ += generated_tokens;
  ++generations_;
  cancelled_ += cancelled;
  ttft_seconds_ += ttft_ms / 1000.0;
  queue_seconds_ += queue_ms / 1000.0;
}

int64_t ServerMetrics::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

std::string ServerMetrics::prometheus(const std::string& gauges) const {
  std::lock_guard lock(mutex_);
  std::string out;
  char line[256];
  out += "# HELP vole_requests_total HTTP requests by endpoint and status.\n# TYPE vole_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    std::snprintf(line, sizeof line, "vole_requests_total{endpoint=\"%s\",status=\"%d\"} %lld\n", key.first.c_str(),
                  key.second, static_cast<long long>(n));
    out += line;
  }
  auto counter = [&](const char* name, const char* help, double v) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s counter\n%s %.17g\n", name, help, name, name, v);
    out += line;
  };
  counter("vole_prompt_tokens_total", "Prompt tokens of finished generations.", double(prompt_tokens_));
  counter("vole_generated_tokens_total", "Tokens generated.", double(generated_tokens_));
  counter("vole_generations_cancelled_total", "Generations cancelled (client left, shutdown).", double(cancelled_));
  auto summary = [&](const char* name, const char* help, double sum) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s summary\n%s_sum %.6f\n%s_count %lld\n", name, help, name,
                  name, sum, name, static_cast<long long>(generations_));
    out += line;
  };
  summary("vole_time_to_first_token_seconds", "Request start on the model to first token.", ttft_seconds_);
  summary("vole_queue_wait_seconds", "Time requests waited for the model.", queue_seconds_);
  out += gauges;
  return out;
}

}  // namespace vole::server
