// `vole bench`: llama-bench's protocol, so numbers compare across engines.
//   pp<P>: prefill of P random token ids in one pass, from an empty sequence.
//   tg<N>: N single-token decode steps from depth 0, a host sync after each, no sampling.
// Each is run once to warm up, then R times: mean ± standard deviation. Also reports
// the load time, the peak device memory, and the decode step's weight traffic as a
// fraction of the device's copy bandwidth measured in the same run.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "command.h"
#include "engine_args.h"
#include "gpu/bandwidth.h"
#include "model/tensor_specs.h"
#include "util/error.h"

namespace vole::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Series {
  std::vector<double> tokens_per_second;
  double mean() const {
    double s = 0;
    for (double v : tokens_per_second) s += v;
    return tokens_per_second.empty() ? 0 : s / tokens_per_second.size();
  }
  double stddev() const {
    if (tokens_per_second.size() < 2) return 0;
    double m = mean(), s = 0;
    for (double v : tokens_per_second) s += (v - m) * (v - m);
    return std::sqrt(s / (tokens_per_second.size() - 1));
  }
};

std::vector<int32_t> random_tokens(int64_t n, int32_t vocab, std::mt19937& rng) {
  std::vector<int32_t> t(n);
  for (auto& x : t) x = static_cast<int32_t>(rng() % vocab);
  return t;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Bytes a decode step must read once: every weight, except that an embedding table
// with a separate lm_head is only gathered from (one row), not multiplied.
uint64_t weight_bytes_per_token(const runtime::Engine& engine) {
  const auto& w = engine.model().weights();
  uint64_t total = w.device_bytes(), embedding = 0;
  bool separate_head = false;
  for (size_t i = 0; i < w.size(); ++i) {
    separate_head |= w.spec(static_cast<int>(i)).role == model::TensorRole::LmHead;
    if (w.spec(static_cast<int>(i)).role == model::TensorRole::Embedding) embedding += w.matrix(static_cast<int>(i)).bytes();
  }
  return separate_head ? total - embedding : total;
}

// State that summarises the prefix (conv windows, recurrent states): read and written
// once per step.
uint64_t state_bytes_per_token(const runtime::Engine& engine) {
  uint64_t bytes = 0;
  for (const auto& slot : engine.decoder().state_slots(1))
    if (slot.snapshotted()) bytes += 2 * slot.bytes();
  return bytes;
}

}  // namespace

static int run_bench(Args& args) {
  ModelArgs model_args = parse_model_args(args);
  int64_t p = args.get_int({"-p", "--prompt-tokens"}, 512, 0, 1 << 20);
  int64_t n = args.get_int({"-n", "--gen-tokens"}, 128, 0, 1 << 20);
  int runs = static_cast<int>(args.get_int({"-r", "--repetitions"}, 5, 1, 1000));
  bool json = args.flag("--json");
  bool profile = args.flag("--profile");
  args.finish();
  require(p >= 0 && n >= 0 && p + n > 0, "-p and -n must be >= 0, and not both 0");
  require(runs >= 1, "-r must be at least 1");
  model_args.options.context_length = std::max<int64_t>(model_args.options.context_length, std::max(p, n));

  auto t0 = Clock::now();
  auto engine = load_engine(model_args);
  double load_s = seconds_since(t0);
  gpu::Context& ctx = engine->gpu();
  const int32_t vocab = engine->decoder().dims().vocab;
  std::mt19937 rng(42);

  runtime::SequenceOptions so;
  so.capacity = engine->context_length();
  so.prefill_chunk = std::max<int64_t>(p, 1);
  runtime::Sequence seq(ctx, engine->decoder(), so);

  Series pp, tg;
  for (int r = 0; r <= runs; ++r) {  // r == 0: warm-up
    if (p > 0) {
      seq.reset();
      auto tokens = random_tokens(p, vocab, rng);
      auto t = Clock::now();
      seq.sync(tokens);
      double s = seconds_since(t);
      if (r > 0) pp.tokens_per_second.push_back(p / s);
    }
    if (n > 0) {
      seq.reset();
      auto tokens = random_tokens(n, vocab, rng);
      auto t = Clock::now();
      for (int32_t token : tokens) seq.feed(token);
      double s = seconds_since(t);
      if (r > 0) tg.tokens_per_second.push_back(n / s);
    }
  }
  uint64_t peak = ctx.device_bytes_peak();
  runtime::Sequence::GraphShape decode_shape = seq.decode_graph_shape();

  // Where the time goes: one more pp and tg run with a timestamp around every kernel
  // (which serialises the GPU, so these totals exceed the timed runs above).
  std::string pp_profile, tg_profile;
  if (profile) {
    runtime::SequenceOptions po = so;
    po.profile = true;
    runtime::Sequence probe(ctx, engine->decoder(), po);
    if (p > 0) {
      probe.sync(random_tokens(p, vocab, rng));
      pp_profile = probe.take_profile().table();
    }
    if (n > 0) {
      probe.reset();
      for (int32_t token : random_tokens(n, vocab, rng)) probe.feed(token);
      tg_profile = probe.take_profile().table();
    }
  }
  gpu::CopyBandwidth copy = gpu::measure_copy_bandwidth(ctx);

  uint64_t weights_per_token = weight_bytes_per_token(*engine), state_per_token = state_bytes_per_token(*engine);
  double step_s = tg.mean() > 0 ? 1.0 / tg.mean() : 0;
  double weight_gbps = step_s > 0 ? weights_per_token / step_s / 1e9 : 0;
  double total_gbps = step_s > 0 ? (weights_per_token + state_per_token) / step_s / 1e9 : 0;

  uint64_t params = 0;
  for (const auto& t : engine->config().family->tensors(engine->config(), model::Selection::core())) {
    uint64_t e = 1;
    for (int64_t d : t.shape) e *= d;
    params += e;
  }
  std::string model_name = std::string(engine->config().family->name()) + " " +
                           std::to_string(params / 1000000) + "M";
  std::string weights = model::format_name(model_args.options.weights);

  if (json) {
    nlohmann::json out = {
        {"model", model_name},
        {"model_dir", model_args.dir.string()},
        {"weights", weights},
        {"params", params},
        {"device", {{"name", ctx.info().name}, {"type", ctx.info().type_name()}, {"driver", ctx.info().driver_name + " " + ctx.info().driver_info}}},
        {"load_seconds", load_s},
        {"weight_cache", engine->load_report().weights.cache_status},
        {"peak_device_bytes", peak},
        {"context_length", engine->context_length()},
        {"copy_gbps", copy.gbps()},
        {"decode_weight_bytes_per_token", weights_per_token},
        {"decode_state_bytes_per_token", state_per_token},
        {"decode_weight_gbps", weight_gbps},
        {"decode_weight_fraction_of_copy", copy.gbps() > 0 ? weight_gbps / copy.gbps() : 0},
        {"decode_total_fraction_of_copy", copy.gbps() > 0 ? total_gbps / copy.gbps() : 0},
        {"decode_graph_nodes", decode_shape.nodes},
        {"decode_graph_barriers", decode_shape.barriers},
        {"repetitions", runs},
        {"tests", nlohmann::json::array()}};
    if (p > 0) out["tests"].push_back({{"test", "pp" + std::to_string(p)}, {"tps_mean", pp.mean()}, {"tps_stddev", pp.stddev()}, {"samples", pp.tokens_per_second}});
    if (n > 0) out["tests"].push_back({{"test", "tg" + std::to_string(n)}, {"tps_mean", tg.mean()}, {"tps_stddev", tg.stddev()}, {"samples", tg.tokens_per_second}});
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  // The llama-bench table.
  double size_mib = engine->model().weights().device_bytes() / 1048576.0;
  std::printf("| %-14s | %-7s | %9s | %-34s | %-7s | %18s |\n", "model", "weights", "size MiB", "device", "test", "t/s");
  std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(16, '-').c_str(), std::string(9, '-').c_str(),
              std::string(11, '-').c_str(), std::string(36, '-').c_str(), std::string(9, '-').c_str(),
              std::string(20, '-').c_str());
  auto row = [&](const std::string& test, const Series& s) {
    char tps[64];
    std::snprintf(tps, sizeof tps, "%.2f ± %.2f", s.mean(), s.stddev());
    std::printf("| %-14s | %-7s | %9.1f | %-34.34s | %-7s | %19s |\n", model_name.c_str(), weights.c_str(), size_mib,
                ctx.info().name.c_str(), test.c_str(), tps);
  };
  if (p > 0) row("pp" + std::to_string(p), pp);
  if (n > 0) row("tg" + std::to_string(n), tg);
  std::printf("\n");
  std::printf("load: %.2f s (weight cache: %s)\n", load_s, engine->load_report().weights.cache_status.c_str());
  std::printf("peak device memory: %.1f MiB at context %lld\n", peak / 1048576.0,
              static_cast<long long>(engine->context_length()));
  std::printf("copy bandwidth: %.2f GB/s (read + write)\n", copy.gbps());
  std::printf("decode step: %zu GPU work items, %zu barriers, one submit\n", decode_shape.nodes, decode_shape.barriers);
  if (n > 0)
    std::printf("decode: %.1f MiB of weights per token -> %.2f GB/s = %.2f of copy bandwidth "
                "(with %.1f MiB of recurrent state traffic: %.2f)\n",
                weights_per_token / 1048576.0, weight_gbps, weight_gbps / copy.gbps(), state_per_token / 1048576.0,
                total_gbps / copy.gbps());
  if (!pp_profile.empty()) std::printf("\nprofile of one pp%lld run (GPU time per kernel):\n%s", static_cast<long long>(p), pp_profile.c_str());
  if (!tg_profile.empty()) std::printf("\nprofile of one tg%lld run (GPU time per kernel):\n%s", static_cast<long long>(n), tg_profile.c_str());
  return 0;
}

VOLE_COMMAND("bench", "-m DIR [-p 512] [-n 128] [-r 5] [--json] [--profile] [--weights q4|f16|f32]  llama-bench style pp/tg speed",
             run_bench);

}  // namespace vole::cli
