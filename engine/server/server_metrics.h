#pragma once
// Counters for GET /metrics (Prometheus text format): requests by endpoint and status,
// tokens, cancellations, time to first token and time spent queued. Thread-safe.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace vole::server {

class ServerMetrics {
 public:
  void request(const std::string& endpoint, int status);
  void generation(int64_t prompt_tokens, int64_t generated_tokens, double ttft_ms, double queue_ms, bool cancelled);
  // `gauges`: extra lines (queue lengths) the server appends.
  std::string prometheus(const std::string& gauges) const;
  int64_t cancelled() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  int64_t prompt_tokens_ = 0, generated_tokens_ = 0, generations_ = 0, cancelled_ = 0;
  double ttft_seconds_ = 0, queue_seconds_ = 0;
};

}  // namespace vole::server
