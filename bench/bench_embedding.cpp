// vole-bench-embedding: indexing throughput of a sentence-embedding model on this device.
// N chunks of T random token ids are embedded in packed batches (as the indexer does) and
// one at a time; reported: chunks/s and tokens/s of each, the batching gain (their ratio,
// measured in the same run), and the weight bytes read per second against the copy
// bandwidth measured in the same run (each packed pass reads every weight once).
//
//   vole-make-checkpoint --preset tiny-embeddinggemma --format f32 --out /tmp/eg
//   vole-bench-embedding -m /tmp/eg [--chunks 64] [--tokens 400] [--runs 3] [--json FILE]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>

#include "cli/args.h"
#include "gpu/bandwidth.h"
#include "report.h"
#include "runtime/embedding_model.h"
#include "util/error.h"

using namespace vole;

namespace {

double median_seconds(int runs, const std::function<void()>& f) {
  std::vector<double> s;
  for (int r = 0; r < runs; ++r) {
    auto t = std::chrono::steady_clock::now();
    f();
    s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(s.begin(), s.end());
  return s[s.size() / 2];
}

int run(cli::Args& args) {
  std::string dir = args.require({"-m", "--model"});
  int64_t chunks = args.get_int({"--chunks"}, 64), tokens = args.get_int({"--tokens"}, 400);
  int64_t singles = args.get_int({"--singles"}, 8);
  int runs = static_cast<int>(args.get_int({"--runs"}, 3));
  runtime::EmbeddingOptions o;
  o.batch_tokens = args.get_int({"--batch-tokens"}, o.batch_tokens);
  if (auto w = args.get({"--weights"})) o.weights = model::parse_format(*w).value_or(model::Format::Source);
  auto json_path = args.get({"--json"});
  args.finish();
  require(chunks > 0 && tokens > 0 && runs > 0 && singles > 0, "counts must be positive");

  auto device = std::make_shared<runtime::Device>();
  runtime::EmbeddingModel model(device, dir, o);
  const int64_t vocab = model.tokenizer().vocab_size();
  std::mt19937 rng(7);
  std::vector<std::vector<int32_t>> in(static_cast<size_t>(chunks));
  for (auto& c : in) {
    c.resize(static_cast<size_t>(std::min(tokens, model.max_tokens())));
    for (auto& id : c) id = static_cast<int32_t>(rng() % static_cast<uint32_t>(std::min<int64_t>(vocab, 1 << 20)));
  }
  model.embed_tokens(std::span(in).first(1));  // pipelines and first allocations

  double batched = median_seconds(runs, [&] { model.embed_tokens(in); });
  const size_t n1 = static_cast<size_t>(std::min(singles, chunks));
  double single = median_seconds(runs, [&] {
    for (size_t i = 0; i < n1; ++i) model.embed_tokens(std::span(in).subspan(i, 1));
  });
  gpu::CopyBandwidth bw = gpu::measure_copy_bandwidth(device->gpu());

  const double t = static_cast<double>(in[0].size());
  const double passes = std::ceil(chunks * t / static_cast<double>(o.batch_tokens));
  const double weight_gb = static_cast<double>(model.device_bytes()) / 1e9;
  bench::Table table({{"mode", "mode"},
                      {"chunks_per_s", "chunks/s", 1},
                      {"tokens_per_s", "tokens/s", 0},
                      {"weight_gbps", "weights GB/s", 2},
                      {"fraction_of_copy", "of copy bw", 3}});
  auto row = [&](const char* mode, double n, double seconds, double weight_reads) {
    double gbps = weight_reads * weight_gb / seconds;
    table.add({mode, n / seconds, n * t / seconds, gbps, gbps / bw.gbps()});
  };
  row("packed batches", static_cast<double>(chunks), batched, passes);
  row("one at a time", static_cast<double>(n1), single, static_cast<double>(n1));
  std::printf(
      "%s: %lld chunks of %.0f tokens, batch_tokens %lld, dims %lld, weights %.3f GB; copy bandwidth %.1f GB/s\n",
      device->gpu().info().name.c_str(), static_cast<long long>(chunks), t, static_cast<long long>(o.batch_tokens),
      static_cast<long long>(model.dims()), weight_gb, bw.gbps());
  std::printf("%s", table.text().c_str());
  double gain = (chunks / batched) / (n1 / single);
  std::printf("batching gain (packed / one at a time, chunks/s): %.2fx\n", gain);
  if (json_path)
    bench::write_json(*json_path, {{"device", bench::device_json(device->gpu().info())},
                                   {"chunks", chunks},
                                   {"tokens", t},
                                   {"copy_gbps", bw.gbps()},
                                   {"batching_gain", gain},
                                   {"rows", table.json()}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  cli::Args args(std::vector<std::string>(argv + 1, argv + argc));
  try {
    return run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vole-bench-embedding: %s\n", e.what());
    return 1;
  }
}
