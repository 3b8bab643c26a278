// Speech-to-text benchmark: how fast a Moonshine model (engine/arch/moonshine through
// runtime::SpeechToText) encodes and decodes on this device, as ratios within one run:
//   encoder:  seconds of audio per second of encoder time (front end, encoder and every
//             layer's cross-attention K/V), for 10 s and 60 s utterances;
//   decoder:  milliseconds per greedy decode step (recorded graph, GPU argmax), and the
//             steps the model cards' limit allows for that audio (6.5 per second);
//   total:    real-time factor = audio seconds / (encode + limit x step) seconds;
//   memory:   peak device memory while encoding and decoding that audio (weights included);
//   first partial: the time from having the first 0.5 s of speech to its partial text
//             through runtime::transcribe (VAD, encode, greedy decode, detokenize), as the
//             desktop does on the growing buffer while the user speaks.
// Wall time of each GPU submission (each waits for its result); median of --runs.
// The audio is a synthetic speech-like signal: timing does not depend on the words.
// Usage: vole-bench-stt -m DIR [--runs N] [--weights f16|f32|q4] [--json FILE]
//   (random-weight folders at the real sizes: vole-make-checkpoint --preset moonshine-tiny
//   or moonshine-streaming-tiny; both families run through the same SpeechToText)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "cli/args.h"
#include "cli/engine_args.h"
#include "report.h"
#include "runtime/speech_to_text.h"
#include "runtime/transcriber.h"
#include "util/error.h"

using namespace vole;
using bench::Clock;
using bench::median;
using bench::seconds_since;

namespace {

std::vector<float> speechlike(int64_t n) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[i] = 0.3f * static_cast<float>(std::sin(2 * M_PI * 220.0 * i / 16000) * std::sin(2 * M_PI * 3.0 * i / 16000));
  return x;
}

int run(int argc, char** argv) {
  cli::Args args(std::vector<std::string>(argv + 1, argv + argc));
  int runs = static_cast<int>(args.get_int({"--runs"}, 3));
  std::string json_path = args.get_or({"--json"}, "");
  cli::ModelArgs model_args = cli::parse_model_args(args, model::Format::F16);
  args.finish();
  require(runs >= 1, "--runs must be positive");

  auto engine = cli::load_engine(model_args);
  runtime::SpeechToText stt(*engine);
  bench::Table table({{"audio_s", "audio s", 0},
                      {"frames", "frames", 0},
                      {"encode_ms", "encode ms", 1},
                      {"encode_x_realtime", "encode x real time", 1},
                      {"step_ms", "decode step ms", 2},
                      {"steps", "step limit", 0},
                      {"realtime_factor", "total x real time", 1},
                      {"peak_device_mib", "peak device MiB", 1}});
  nlohmann::json rows = nlohmann::json::array();
  for (int seconds : {10, 60}) {
    auto audio = speechlike(int64_t{seconds} * 16000);
    std::vector<double> encode, step;
    int64_t frames = 0;
    const int steps = 32;
    engine->gpu().reset_peak();
    for (int r = 0; r < runs + 1; ++r) {  // the first run warms pipelines and graphs up
      auto t = Clock::now();
      frames = stt.encode(audio);
      double e = seconds_since(t);
      // Fixed-length greedy decoding: the start token, then steps decode submissions
      // (a random model may end early: the step time is what is reported).
      t = Clock::now();
      auto ids = stt.greedy(steps);
      double d = seconds_since(t) / static_cast<double>(std::max<size_t>(ids.size(), 1));
      if (r > 0) {
        encode.push_back(e);
        step.push_back(d);
      }
    }
    double enc = median(encode), st = median(step);
    int64_t limit = arch::moonshine_max_new_tokens(int64_t{seconds} * 16000);
    table.add({double(seconds), double(frames), enc * 1000, seconds / enc, st * 1000, double(limit),
               seconds / (enc + limit * st), double(engine->gpu().device_bytes_peak()) / (1 << 20)});
  }

  // First partial: transcribe the first 0.5 s of speech (what the desktop has when it
  // asks for its first partial).
  audio::Audio half{speechlike(8000), 16000};
  std::vector<double> partial;
  size_t segments = 0;
  for (int r = 0; r < runs + 1; ++r) {
    auto t = Clock::now();
    auto out = runtime::transcribe(stt, half);
    double p = seconds_since(t);
    segments = out.size();
    if (r > 0) partial.push_back(p);
  }
  const double first_partial_ms = median(partial) * 1000;
  std::printf("vole-bench-stt: %s on %s (%s weights), median of %d runs\n%s", model_args.dir.string().c_str(),
              engine->gpu().info().name.c_str(), model::format_name(model_args.options.weights), runs,
              table.text().c_str());
  std::printf("first partial (0.5 s of audio through runtime::transcribe, %zu segment%s): %.1f ms\n", segments,
              segments == 1 ? "" : "s", first_partial_ms);
  if (!json_path.empty())
    bench::write_json(json_path, {{"model", model_args.dir.string()},
                                  {"device", bench::device_json(engine->gpu().info())},
                                  {"runs", runs},
                                  {"results", table.json()},
                                  {"first_partial_ms", first_partial_ms},
                                  {"first_partial_segments", segments}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "vole-bench-stt: %s\n", e.what());
    return 1;
  }
}
