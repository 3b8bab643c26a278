#include "runtime/engine.h"

#include <algorithm>
#include <chrono>

#include "arch/families.h"
#include "arch/sequence_state.h"
#include "model/model_folder.h"
#include "util/error.h"

namespace vole::runtime {

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::shared_ptr<Device> own_device(const EngineOptions& o) {
  return std::make_shared<Device>(DeviceOptions{o.device, o.gpu_memory_limit});
}
}  // namespace

Engine::Engine(const std::filesystem::path& model_dir, EngineOptions options)
    : Engine(own_device(options), model_dir, std::move(options)) {}

Engine::Engine(std::shared_ptr<Device> device, const std::filesystem::path& model_dir, EngineOptions options)
    : model_dir_(model_dir), options_(std::move(options)), device_(std::move(device)) {
  require(device_ != nullptr, "an engine needs a device");
  auto start = Clock::now();
  auto progress = [&](double f, const std::string& stage) {
    if (options_.progress) options_.progress(f, stage);
  };
  progress(0.0, "reading model files");
  model::ModelFolder folder(model_dir, options_.families ? *options_.families : arch::families());
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

  arch::ModelLoad load;
  load.options.matrices = options_.weights;
  load.options.others = options_.weights == model::Format::F32 ? model::Format::F32 : model::Format::Source;
  load.options.cache = options_.cache;
  load.cancel = options_.cancel;
  load.progress = [&](double f, const std::string& tensor) { progress(0.05 + 0.9 * f, "loading " + tensor); };
  model_ = arch::Model::load(device_->gpu(), folder, load);
  decoder_ = &model_->text_decoder();
  account_ = device_->open_account(model_dir.filename().string());
  account_->add(static_cast<int64_t>(model_->weights().device_bytes()));

  VisionOptions vision;
  vision.weights = options_.weights == model::Format::F32 ? model::Format::F32 : model::Format::F16;
  vision.cache = options_.cache;
  vision_ = std::make_unique<VisionTower>(device_, model_dir, config_,
                                          options_.families ? *options_.families : arch::families(), account_, vision);

  int64_t model_max = decoder_->dims().max_positions > 0 ? decoder_->dims().max_positions : INT64_MAX;
  context_length_ = std::min(options_.context_length > 0 ? options_.context_length : 4096, model_max);
  arch::require_context_fits(*decoder_, device_->gpu().info(), context_length_);  // at load, not first prefill

  // Stop tokens: generation_config / config eos ids, plus the family's end-of-turn markers.
  const int64_t vocab = decoder_->dims().vocab;
  auto add_stop = [&](int64_t id) {
    if (id >= 0 && id < vocab && std::find(stop_tokens_.begin(), stop_tokens_.end(), id) == stop_tokens_.end())
      stop_tokens_.push_back(static_cast<int32_t>(id));
  };
  for (int64_t id : generation_.eos_token_ids) add_stop(id);
  for (int64_t id : config_.typed->eos_token_ids) add_stop(id);
  for (const auto& marker : config_.family->end_of_turn_markers())
    if (auto id = tokenizer_->token_to_id(marker)) add_stop(*id);

  report_.weights = model_->load_stats();
  report_.upload_ms = model_->upload_ms();
  report_.weight_bytes = model_->weights().device_bytes();
  report_.total_ms = ms_since(start);
  progress(1.0, "ready");
}

Engine::~Engine() = default;  // the model's buffers go before the device (members in reverse order)

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
  o.account = account_;
  return std::make_unique<Sequence>(device_->gpu(), *decoder_, o);
}

}  // namespace vole::runtime
