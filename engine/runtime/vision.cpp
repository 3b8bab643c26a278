#include "runtime/vision.h"

#include "arch/family.h"
#include "model/model_folder.h"
#include "util/error.h"

namespace vole::runtime {

namespace {
constexpr const char* kVisionPart = "vision";
}

VisionTower::VisionTower(std::shared_ptr<Device> device, std::filesystem::path model_dir,
                         const model::ModelConfig& config, const model::FamilyTable& families,
                         std::shared_ptr<MemoryAccount> account, VisionOptions options)
    : device_(std::move(device)),
      model_dir_(std::move(model_dir)),
      families_(families),
      account_(std::move(account)),
      options_(options) {
  for (const auto& part : config.family->parts())
    if (part.name == kVisionPart) prefixes_ = part.prefixes;
  available_ =
      !prefixes_.empty() && !arch::family_of(config).tensors(config, {{kVisionPart}, false, prefixes_}).empty();
  // A damaged preprocessor_config.json must not stop the text model: it is reported
  // when an image needs it.
  auto pp = model_dir_ / "preprocessor_config.json";
  try {
    preprocessor_ = std::filesystem::exists(pp) ? image::load_preprocessor_config(pp)
                                                : image::parse_preprocessor_config("{}", "default preprocessing");
  } catch (const Error& e) {
    preprocessor_error_ = std::make_unique<Error>(e);
  }
}

const image::PreprocessorConfig& VisionTower::preprocessor() const {
  if (preprocessor_error_) throw *preprocessor_error_;
  return preprocessor_;
}

VisionTower::~VisionTower() { unload(); }

void VisionTower::load(const std::function<void(double, const std::string&)>& progress,
                       const std::atomic<bool>* cancel) {
  if (model_) return;
  if (!available_)
    fail(ErrorCode::Unsupported, "the model in " + model_dir_.string() + " cannot see images (it has no vision tower)");
  model::ModelFolder folder(model_dir_, families_);
  arch::ModelLoad load;
  load.options.selection = {{kVisionPart}, false, prefixes_};
  load.options.matrices = options_.weights;
  load.options.others = options_.weights == model::Format::F32 ? model::Format::F32 : model::Format::Source;
  load.options.cache = options_.cache;
  load.cancel = cancel;
  if (progress) load.progress = [&](double f, const std::string& t) { progress(f, "loading " + t); };
  std::unique_ptr<arch::Model> m;
  try {
    m = arch::Model::load(device_->gpu(), folder, load);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Cancelled || e.code() == ErrorCode::OutOfMemory) throw;
    fail(e.code(), "cannot load the vision tower of " + model_dir_.string() + ": " + e.what() +
                       " (if the model was downloaded without its vision part, download it with vision)");
  }
  const auto* enc = m->find<arch::VisionEncoder>();
  if (!enc) fail(ErrorCode::Unsupported, "the model's family built no vision encoder");
  model_ = std::move(m);
  encoder_ = enc;
  if (account_) account_->add(static_cast<int64_t>(weight_bytes()));
}

void VisionTower::unload() {
  if (!model_) return;
  if (account_) account_->add(-static_cast<int64_t>(weight_bytes()));
  encoder_ = nullptr;
  model_.reset();
}

uint64_t VisionTower::weight_bytes() const { return model_ ? model_->weights().device_bytes() : 0; }

const arch::VisionEncoder& VisionTower::encoder() {
  load();
  return *encoder_;
}

image::PreprocessedImage VisionTower::preprocess(const image::RgbImage& rgb,
                                                 std::optional<int64_t> max_image_tokens) const {
  return image::preprocess_image(rgb, preprocessor(),
                                 {.max_image_tokens = max_image_tokens.value_or(options_.max_image_tokens)});
}

std::pair<int64_t, int64_t> VisionTower::image_token_range() const {
  const image::PreprocessorConfig& c = preprocessor();
  return image::image_token_range(c);
}

std::vector<EncodedImage> VisionTower::encode(std::span<const image::PreprocessedImage> images,
                                              const std::atomic<bool>* cancel) {
  if (images.empty()) return {};
  const arch::VisionEncoder& enc = encoder();
  std::vector<float> patches;
  std::vector<arch::ImageGrid> grids;
  int64_t tokens = 0;
  for (const auto& im : images) {
    require(im.patch_dim == enc.patch_dim(), "image patches have " + std::to_string(im.patch_dim) +
                                                 " values each, the vision tower takes " +
                                                 std::to_string(enc.patch_dim()));
    grids.push_back({im.grid.t, im.grid.h, im.grid.w});
    tokens += enc.tokens(grids.back());
    patches.insert(patches.end(), im.patches.begin(), im.patches.end());
  }
  auto memory = std::make_shared<gpu::Buffer>(device_->gpu().create_buffer(
      static_cast<uint64_t>(tokens) * enc.out_hidden() * 4, gpu::MemoryKind::Device, "image embeddings"));
  ops::Tensor all = ops::view(*memory, DType::F32, {tokens, enc.out_hidden()});
  enc.encode(device_->gpu(), patches, grids, all, nullptr, cancel);
  std::vector<EncodedImage> out;
  int64_t row = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    EncodedImage e;
    e.id = images[i].id;
    e.grid = grids[i];
    e.rows = grids[i].t * grids[i].h / enc.merge();
    e.cols = grids[i].w / enc.merge();
    e.embeddings = all.rows(row, e.tokens());
    e.memory = memory;
    row += e.tokens();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace vole::runtime
