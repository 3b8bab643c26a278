#include "runtime/engine.h"

#include <algorithm>
#include <chrono>

#include "arch/registry.h"
#include "arch/weight_store.h"
#include "model/model_folder.h"
#include "util/error.h"

namespace vole::runtime {

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

bool is_matrix(model::TensorRole role) {
  return role == model::TensorRole::Embedding || role == model::TensorRole::LmHead ||
         role == model::TensorRole::Linear;
}
}  // namespace

Engine::Engine(const std::filesystem::path& model_dir, EngineOptions options)
    : model_dir_(model_dir), options_(std::move(options)) {
  auto start = Clock::now();
  auto progress = [&](double f, const std::string& stage) {
    if (options_.progress) options_.progress(f, stage);
  };
  progress(0.0, "reading model files");
  model::ModelFolder folder(model_dir);
  config_ = folder.config();
  generation_ = folder.generation();
  if (!folder.tokenizer_json())
    fail(ErrorCode::InvalidFile, "model folder " + model_dir.string() + " has no tokenizer.json");
  tokenizer_ = std::make_unique<text::Tokenizer>(text::Tokenizer::load(*folder.tokenizer_json()));
  try {
    chat_template_ = text::ChatTemplate::from_model_dir(model_dir);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotFound) throw;  // no template: raw prompts only
  }

  gpu::ContextOptions gpu_options;
  gpu_options.device = options_.device;
  gpu_options.memory_limit_bytes = options_.gpu_memory_limit;
  gpu_ = std::make_unique<gpu::Context>(gpu_options);

  model::LoadOptions load;
  load.matrices = options_.weights;
  load.others = options_.weights == model::Format::F32 ? model::Format::F32 : model::Format::Source;
  load.cache = options_.cache;
  model::WeightLoader loader(folder, load);
  const auto& plan = loader.plan();
  uint64_t total_bytes = std::max<uint64_t>(1, plan.output_bytes()), done_bytes = 0;

  arch::WeightStore weights(*gpu_);
  double upload_ms = 0;
  loader.load([&](const HostTensor& tensor, const model::PlannedTensor& info) {
    if (options_.cancel && options_.cancel->load()) fail(ErrorCode::Cancelled, "model loading cancelled");
    auto t = Clock::now();
    weights.add(tensor, is_matrix(info.spec.role));
    upload_ms += ms_since(t);
    done_bytes += info.data_bytes() + info.scale_bytes();
    progress(0.05 + 0.9 * static_cast<double>(done_bytes) / total_bytes, "loading " + info.spec.name);
  });
  gpu_->flush_uploads();
  model_ = arch::create_language_model(config_, std::move(weights));

  int64_t model_max = config_.text.max_position_embeddings > 0 ? config_.text.max_position_embeddings : INT64_MAX;
  context_length_ = std::min(options_.context_length > 0 ? options_.context_length : 4096, model_max);

  // Stop tokens: generation_config / config eos ids, plus the ChatML end-of-turn marker.
  auto add_stop = [&](int64_t id) {
    if (id >= 0 && id < config_.text.vocab_size &&
        std::find(stop_tokens_.begin(), stop_tokens_.end(), id) == stop_tokens_.end())
      stop_tokens_.push_back(static_cast<int32_t>(id));
  };
  for (int64_t id : generation_.eos_token_ids) add_stop(id);
  for (int64_t id : config_.text.eos_token_ids) add_stop(id);
  for (const char* marker : {"<|im_end|>", "<|endoftext|>"})
    if (auto id = tokenizer_->token_to_id(marker)) add_stop(*id);

  report_.weights = loader.stats();
  report_.upload_ms = upload_ms;
  report_.weight_bytes = model_->weights().device_bytes();
  report_.total_ms = ms_since(start);
  progress(1.0, "ready");
}

Engine::~Engine() {
  model_.reset();  // GPU buffers before the context that owns their memory
  gpu_.reset();
}

SamplingOptions Engine::default_sampling() const {
  SamplingOptions s;
  const auto& g = generation_;
  if (g.do_sample && !*g.do_sample) return SamplingOptions::greedy();
  if (g.temperature) s.temperature = static_cast<float>(*g.temperature);
  if (g.top_k) s.top_k = static_cast<int>(*g.top_k);
  if (g.top_p) s.top_p = static_cast<float>(*g.top_p);
  if (g.min_p) s.min_p = static_cast<float>(*g.min_p);
  if (g.repetition_penalty) s.repetition_penalty = static_cast<float>(*g.repetition_penalty);
  if (g.presence_penalty) s.presence_penalty = static_cast<float>(*g.presence_penalty);
  return s;
}

GenerateOptions Engine::default_generate_options() const {
  GenerateOptions o;
  o.sampling = default_sampling();
  o.stop_tokens = stop_tokens_;
  if (generation_.max_new_tokens) o.max_tokens = static_cast<int>(*generation_.max_new_tokens);
  return o;
}

std::unique_ptr<Sequence> Engine::new_sequence(int64_t context_length) const {
  SequenceOptions o;
  o.capacity = context_length > 0 ? std::min(context_length, context_length_) : context_length_;
  return std::make_unique<Sequence>(*gpu_, *model_, o);
}

}  // namespace vole::runtime
