#include "engine_args.h"

#include <unistd.h>

#include <cstdio>

#include "util/error.h"

namespace vole::cli {

ModelArgs parse_model_args(Args& args, model::Format default_weights, const std::filesystem::path& default_dir) {
  ModelArgs m;
  if (default_dir.empty())
    m.dir = args.require({"-m", "--model"});
  else
    m.dir = args.get({"-m", "--model"}).value_or(default_dir.string());
  m.options.device = args.get_or({"-d", "--device"}, "");
  m.options.weights = default_weights;
  if (auto w = args.get({"--weights"})) {
    auto f = model::parse_format(*w);
    if (!f) fail(ErrorCode::InvalidArgument, "--weights must be one of q4, int4, f16, f32, source (got '" + *w + "')");
    m.options.weights = *f;
  }
  m.options.context_length = args.get_int({"--ctx", "-c"}, m.options.context_length, 1, INT32_MAX);
  int64_t limit_mb = args.get_int({"--gpu-memory"}, 0, 0, int64_t{1} << 40);  // MiB
  m.options.gpu_memory_limit = static_cast<uint64_t>(limit_mb) << 20;
  require(m.options.context_length > 0, "--ctx must be positive");
  return m;
}

runtime::SamplingOptions parse_sampling(Args& args, runtime::SamplingOptions s) {
  s.temperature = static_cast<float>(args.get_double({"--temperature", "--temp"}, s.temperature, 0, 100));
  s.top_k = static_cast<int>(args.get_int({"--top-k"}, s.top_k, 0, INT32_MAX));
  s.top_p = static_cast<float>(args.get_double({"--top-p"}, s.top_p, 1e-9, 1));
  s.min_p = static_cast<float>(args.get_double({"--min-p"}, s.min_p, 0, 0.999999));
  s.repetition_penalty = static_cast<float>(args.get_double({"--repeat-penalty"}, s.repetition_penalty, 1e-6, 100));
  s.presence_penalty = static_cast<float>(args.get_double({"--presence-penalty"}, s.presence_penalty, -100, 100));
  s.frequency_penalty = static_cast<float>(args.get_double({"--frequency-penalty"}, s.frequency_penalty, -100, 100));
  s.seed = static_cast<uint32_t>(args.get_int({"--seed"}, s.seed, 0, UINT32_MAX));
  s.validate();
  return s;
}

std::unique_ptr<runtime::Engine> load_engine(ModelArgs m, std::shared_ptr<runtime::Device> device) {
  if (isatty(STDERR_FILENO)) {
    m.options.progress = [last = -1](double f, const std::string&) mutable {
      int pct = static_cast<int>(f * 100);
      if (pct == last) return;
      last = pct;
      std::fprintf(stderr, "\rloading model... %3d%%", pct);
      if (pct >= 100) std::fprintf(stderr, "\r\033[K");
    };
  }
  if (device) return std::make_unique<runtime::Engine>(std::move(device), m.dir, m.options);
  return std::make_unique<runtime::Engine>(m.dir, m.options);
}

std::unique_ptr<runtime::Engine> load_engine(ModelArgs m) { return load_engine(std::move(m), nullptr); }

}  // namespace vole::cli
