#include "arch/model.h"

#include <algorithm>
#include <chrono>

#include "util/error.h"

namespace vole::arch {

Model::Model(gpu::Context& ctx, model::ModelConfig config)
    : config_(std::move(config)), weights_(std::make_unique<WeightStore>(ctx)) {}

std::unique_ptr<Model> Model::load(gpu::Context& ctx, model::ModelFolder& folder, const ModelLoad& load) {
  using Clock = std::chrono::steady_clock;
  std::unique_ptr<Model> m(new Model(ctx, folder.config()));
  TensorDeclarer declarer(load.options.selection, m->weights_.get());
  m->components_ = m->family().create(m->config_, declarer);

  model::WeightLoader loader(folder, load.options);
  uint64_t total = std::max<uint64_t>(1, loader.plan().output_bytes()), done = 0;
  loader.load([&](const HostTensor& tensor, const model::PlannedTensor& info) {
    if (load.cancel && load.cancel->load()) fail(ErrorCode::Cancelled, "model loading cancelled");
    auto t = Clock::now();
    m->weights_->add(tensor);
    m->upload_ms_ += std::chrono::duration<double, std::milli>(Clock::now() - t).count();
    done += info.data_bytes() + info.scale_bytes();
    if (load.progress) load.progress(static_cast<double>(done) / total, info.spec.name);
  });
  ctx.flush_uploads();
  m->weights_->check_complete();
  m->stats_ = loader.stats();
  return m;
}

const TextDecoder& Model::text_decoder() const {
  if (const auto* d = find<TextDecoder>()) return *d;
  fail(ErrorCode::Unsupported, "a " + std::string(config_.family->name()) + " model has no text decoder");
}

}  // namespace vole::arch
