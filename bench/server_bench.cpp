// vole-bench-server: what the API costs per token, and how the server behaves under load.
//   overhead: the same greedy chat answered directly (runtime::Chat) and through
//     `POST /v1/chat/completions` streamed over loopback to a libcurl SSE client
//     (engine/remote), alternating, in one run; decode tokens/s of each and their ratio.
//   logprobs: per-token time of whole completions with top_logprobs 5 against without.
//   load (--clients C --seconds S): C streaming clients in a loop for S seconds with a
//     queue that holds them all, then a burst of 2C at once against a queue of C/2;
//     requests/s, time to first token p50/p95/p99 (queue wait included), whole-request
//     latency p50/p95, tokens/s per stream,
//     refusals, failures and the process's resident memory before and after.
// usage: vole-bench-server -m DIR [-n 64] [-r 3] [--clients 0] [--seconds 20] [--weights ...] [--ctx N]
#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "cli/args.h"
#include "cli/engine_args.h"
#include "remote/openai_client.h"
#include "runtime/chat.h"
#include "server/api_server.h"
#include "util/error.h"

using namespace vole;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096.0 / (1 << 20);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

const nlohmann::json kMessages = nlohmann::json::array({{{"role", "user"}, {"content", "Write a long story."}}});

struct Streamed {
  double ttft = 0, decode_seconds = 0, latency = 0;  // latency: the whole request
  int64_t tokens = 0;
};

// One streamed answer through the API, timed on the client.
Streamed api_answer(remote::OpenAIClient& client, int n) {
  remote::RemoteSampling s;
  s.temperature = 0;
  s.seed = 1;
  s.max_tokens = n;
  Streamed r;
  auto start = Clock::now();
  Clock::time_point first{}, last{};
  auto reply = client.chat("bench", kMessages, s, [&](const std::string&, const std::string&) {
    last = Clock::now();
    if (first == Clock::time_point{}) first = last;
  });
  r.ttft = std::chrono::duration<double>(first - start).count();
  r.decode_seconds = std::chrono::duration<double>(last - first).count();
  r.tokens = reply.completion_tokens.value_or(0);
  r.latency = seconds_since(start);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    cli::Args args(std::vector<std::string>(argv + 1, argv + argc));
    cli::ModelArgs model_args = cli::parse_model_args(args);
    int n = static_cast<int>(args.get_int({"-n"}, 64));
    int rounds = static_cast<int>(args.get_int({"-r"}, 3));
    int clients = static_cast<int>(args.get_int({"--clients"}, 0));
    double seconds = args.get_double({"--seconds"}, 20);
    args.finish();
    require(n > 1 && rounds > 0 && clients >= 0, "-n > 1, -r > 0, --clients >= 0");
    auto engine = cli::load_engine(model_args);

    // Overhead: direct and API alternate so drift hits both alike.
    server::ServerOptions options;
    options.port = 0;
    options.max_queue = std::max(clients, 1) * 2;
    auto api = std::make_unique<server::ApiServer>(options);
    api->add_model("bench", *engine);
    int port = api->start();
    remote::RemoteOptions ro;
    ro.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    remote::OpenAIClient client(ro);
    api_answer(client, n);  // warm-up (pipelines, the server's prefix)
    double direct_tokens = 0, direct_seconds = 0, api_tokens = 0, api_seconds = 0;
    for (int r = 0; r < rounds; ++r) {
      runtime::Chat chat(*engine);
      runtime::ChatRequest req;
      req.messages = kMessages;
      req.generation = engine->default_generate_options();
      req.generation.sampling = runtime::SamplingOptions::greedy();
      req.generation.max_tokens = n;
      auto stats = chat.reply(req, nullptr).stats;
      direct_tokens += static_cast<double>(stats.generated_tokens - 1);
      direct_seconds += stats.decode_ms / 1000;
      Streamed s = api_answer(client, n);
      api_tokens += static_cast<double>(s.tokens - 1);
      api_seconds += s.decode_seconds;
    }
    double direct_tps = direct_tokens / direct_seconds, api_tps = api_tokens / api_seconds;
    std::printf("overhead (%d rounds of %d tokens, greedy chat):\n", rounds, n);
    std::printf("  direct runtime::Chat   %8.1f tokens/s\n", direct_tps);
    std::printf("  API (SSE, loopback)    %8.1f tokens/s\n", api_tps);
    std::printf("  ratio API / direct     %8.3f\n", api_tps / direct_tps);

    // What logprobs cost: the same whole completion with and without top_logprobs 5,
    // alternating; each token then reads its logits row back and log-softmaxes it.
    {
      httplib::Client http("127.0.0.1", port);
      http.set_read_timeout(600);
      auto completion_seconds = [&](bool logprobs) {
        nlohmann::json body = {
            {"model", "bench"}, {"prompt", "Once upon a time"}, {"max_tokens", n}, {"temperature", 0}};
        if (logprobs) body["logprobs"] = 5;
        auto start = Clock::now();
        auto r = http.Post("/v1/completions", body.dump(), "application/json");
        require(r && r->status == 200, "the completion for the logprobs measurement failed");
        auto tokens = nlohmann::json::parse(r->body)["usage"]["completion_tokens"].get<double>();
        return seconds_since(start) / tokens;
      };
      double plain = 0, with = 0;
      for (int r = 0; r < rounds; ++r) plain += completion_seconds(false), with += completion_seconds(true);
      std::printf("logprobs (top 5, %d rounds of %d tokens, whole completions):\n", rounds, n);
      std::printf("  per token without %8.2f ms, with %8.2f ms (+%.2f ms, ratio %.3f)\n", 1000 * plain / rounds,
                  1000 * with / rounds, 1000 * (with - plain) / rounds, with / plain);
    }

    if (clients > 0) {
      double rss_before = rss_mib();
      std::atomic<bool> stop{false};
      std::mutex mutex;
      std::vector<double> ttfts, rates, latencies;
      int64_t completed = 0, failed = 0;
      auto start = Clock::now();
      std::vector<std::thread> threads;
      for (int c = 0; c < clients; ++c)
        threads.emplace_back([&] {
          remote::OpenAIClient mine(ro);
          while (!stop) {
            try {
              Streamed s = api_answer(mine, n);
              std::lock_guard lock(mutex);
              ++completed;
              ttfts.push_back(s.ttft);
              latencies.push_back(s.latency);
              if (s.decode_seconds > 0) rates.push_back((s.tokens - 1) / s.decode_seconds);
            } catch (const std::exception& e) {
              std::lock_guard lock(mutex);
              ++failed;
            }
          }
        });
      std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
      stop = true;
      for (auto& t : threads) t.join();
      double elapsed = seconds_since(start);
      std::printf("load: %d streaming clients for %.0f s (queue %zu):\n", clients, elapsed, options.max_queue);
      std::printf("  completed %lld, failed %lld, %.2f requests/s\n", static_cast<long long>(completed),
                  static_cast<long long>(failed), completed / elapsed);
      std::printf("  time to first token p50 %.3f s, p95 %.3f s, p99 %.3f s (queue wait included)\n",
                  percentile(ttfts, 0.5), percentile(ttfts, 0.95), percentile(ttfts, 0.99));
      std::printf("  request latency p50 %.3f s, p95 %.3f s\n", percentile(latencies, 0.5),
                  percentile(latencies, 0.95));
      std::printf("  tokens/s per stream p50 %.1f\n", percentile(rates, 0.5));

      // A burst past the queue: 2C requests at once against a queue of C/2.
      api.reset();
      options.max_queue = std::max(clients / 2, 1);
      api = std::make_unique<server::ApiServer>(options);
      api->add_model("bench", *engine);
      ro.base_url = "http://127.0.0.1:" + std::to_string(api->start()) + "/v1";
      std::atomic<int> ok{0}, busy{0}, other{0};
      threads.clear();
      for (int c = 0; c < 2 * clients; ++c)
        threads.emplace_back([&] {
          try {
            remote::OpenAIClient mine(ro);
            api_answer(mine, n);
            ++ok;
          } catch (const remote::RemoteError& e) {
            ++(e.http_status() == 429 ? busy : other);
          } catch (const std::exception&) {
            ++other;
          }
        });
      for (auto& t : threads) t.join();
      std::printf("burst: %d at once, queue %zu: %d answered, %d refused with 429, %d other failures\n", 2 * clients,
                  options.max_queue, ok.load(), busy.load(), other.load());
      std::printf("  resident memory %.1f MiB before the load, %.1f MiB after\n", rss_before, rss_mib());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vole-bench-server: %s\n", e.what());
    return 1;
  }
}
