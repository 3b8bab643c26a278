#include "runtime/embedding_model.h"

#include <algorithm>
#include <cstring>

#include "arch/families.h"
#include "model/json_util.h"
#include "model/model_folder.h"
#include "model/q4.h"
#include "model/safetensors.h"
#include "ops/elementwise.h"
#include "ops/linear.h"
#include "ops/norm.h"
#include "util/error.h"

namespace vole::runtime {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kSlot = 256;  // spacing of the input fields (>= any storage offset alignment)
uint64_t round_up(uint64_t v) { return (v + kSlot - 1) / kSlot * kSlot; }

// sentence-transformers divides by max(|e|, 1e-12); the norm kernel adds eps to |e|².
constexpr float kNormEps = 1e-24f;

// A tensor of a Dense module's safetensors file, checked against its config.
HostTensor dense_tensor(const model::SafetensorsFile& file, const std::string& name, std::vector<int64_t> shape) {
  const model::TensorEntry* e = file.find(name);
  if (!e) fail(ErrorCode::InvalidFile, file.path().string() + " has no tensor " + name);
  auto dtype = model::to_vole_dtype(e->dtype);
  if (!dtype || (*dtype != DType::F32 && *dtype != DType::F16 && *dtype != DType::BF16))
    fail(ErrorCode::Unsupported,
         file.path().string() + ": " + name + " is " + model::st_dtype_name(e->dtype) + " (f32, f16 or bf16 expected)");
  if (e->shape != shape)
    fail(ErrorCode::InvalidFile, file.path().string() + ": " + name + " does not have the shape its config.json says");
  return HostTensor{name, *dtype, e->shape, file.bytes(*e), {}, 0};
}

// MLX bits and group of a stored tensor (per-module override, else the global ones).
std::pair<int, int> mlx_bits_group(const model::ModelConfig& config, const std::string& stem) {
  const auto& q = config.quant;
  if (auto it = q.mlx_overrides.find(stem); it != q.mlx_overrides.end() && it->second.quantized)
    return {it->second.bits, it->second.group_size};
  return {q.bits, q.group_size};
}

// The Dense layers an MLX conversion keeps in the checkpoint: dense.0.weight, dense.1.weight, ...
std::vector<StoredDense> stored_dense_layers(model::Checkpoint& ck, const model::ModelConfig& config) {
  std::vector<StoredDense> out;
  for (int i = 0;; ++i) {
    std::string stem = "dense." + std::to_string(i);
    if (!ck.contains(stem + ".weight")) break;
    const model::TensorEntry& w = *ck.find(stem + ".weight").entry;
    if (w.shape.size() != 2) fail(ErrorCode::InvalidFile, ck.dir().string() + ": " + stem + ".weight is not a matrix");
    StoredDense d{stem, w.shape[0], w.shape[1]};
    if (ck.contains(stem + ".scales")) {
      auto [bits, group] = mlx_bits_group(config, stem);
      if (config.quant.method != model::QuantMethod::MlxAffine || bits <= 0 || group <= 0)
        fail(ErrorCode::InvalidFile,
             ck.dir().string() + ": " + stem + " has MLX scales but config.json no quantization");
      d.in_features = w.shape[1] * 32 / bits;
    }
    out.push_back(d);
  }
  return out;
}

// A stored Dense weight [out, in]: its bytes as stored, or MLX-quantized ones dequantized
// into `storage` (the head is small; f32 keeps the reference's values exactly).
HostTensor stored_dense_tensor(model::Checkpoint& ck, const model::ModelConfig& config, const DenseModule& d,
                               std::vector<float>& storage) {
  const std::string label = ck.dir().string() + ": " + d.stored;
  model::TensorRef w = ck.find(d.stored + ".weight");
  const std::vector<int64_t> shape{d.out_features, d.in_features};
  if (!ck.contains(d.stored + ".scales")) {
    auto dtype = model::to_vole_dtype(w.entry->dtype);
    if (!dtype || (*dtype != DType::F32 && *dtype != DType::F16 && *dtype != DType::BF16))
      fail(ErrorCode::Unsupported,
           label + ".weight is " + model::st_dtype_name(w.entry->dtype) + " (f32, f16, bf16 or MLX expected)");
    if (w.entry->shape != shape)
      fail(ErrorCode::InvalidFile, label + ".weight does not have the shape the model needs");
    return HostTensor{d.stored + ".weight", *dtype, shape, w.bytes(), {}, 0};
  }
  if (!ck.contains(d.stored + ".biases")) fail(ErrorCode::InvalidFile, label + " has MLX scales but no biases");
  model::TensorRef sc = ck.find(d.stored + ".scales"), bi = ck.find(d.stored + ".biases");
  auto [bits, group] = mlx_bits_group(config, d.stored);
  if (w.entry->dtype != model::StDType::U32 || d.in_features % group != 0 ||
      sc.entry->shape != std::vector<int64_t>{d.out_features, d.in_features / group} ||
      bi.entry->shape != sc.entry->shape || bi.entry->dtype != sc.entry->dtype ||
      w.entry->shape != std::vector<int64_t>{d.out_features, d.in_features * bits / 32})
    fail(ErrorCode::InvalidFile, label + ": its MLX parts (weight, scales, biases) disagree in shape or type");
  storage.assign(static_cast<size_t>(d.out_features * d.in_features), 0.0f);
  model::dequantize_mlx(w.bytes(), sc.bytes(), bi.bytes(), sc.entry->dtype, bits, d.out_features, d.in_features, group,
                        storage.data());
  return HostTensor{d.stored + ".weight",
                    DType::F32,
                    shape,
                    {reinterpret_cast<const uint8_t*>(storage.data()), storage.size() * sizeof(float)},
                    {},
                    0};
}

// The EOS id tokenizer_config.json asks to add (add_eos_token true), if any.
std::optional<int32_t> configured_eos(const fs::path& dir, const text::Tokenizer& tok) {
  fs::path f = dir / "tokenizer_config.json";
  std::error_code ec;
  if (!fs::is_regular_file(f, ec)) return std::nullopt;
  model::json j = model::read_json_file(f.string());
  model::JsonObject o(j, f.string());
  if (!o.get_bool("add_eos_token", false)) return std::nullopt;
  const auto* eos = o.find("eos_token");
  std::string token = !eos               ? ""
                      : eos->is_string() ? eos->get<std::string>()
                      : eos->is_object() ? eos->value("content", "")
                                         : "";
  auto id = tok.token_to_id(token);
  if (!id) fail(ErrorCode::InvalidFile, f.string() + ": add_eos_token is set but eos_token is not in the vocabulary");
  return id;
}

}  // namespace

EmbeddingModel::EmbeddingModel(std::shared_ptr<Device> device, const fs::path& dir, EmbeddingOptions options)
    : dir_(dir), options_(options), device_(std::move(device)) {
  require(device_ != nullptr, "an embedding model needs a device");
  require(options_.batch_tokens > 0, "batch_tokens must be positive");
  model::ModelFolder folder(dir, arch::families());
  if (!folder.tokenizer_json()) fail(ErrorCode::InvalidFile, "model folder " + dir.string() + " has no tokenizer.json");
  tokenizer_ = std::make_unique<text::Tokenizer>(text::Tokenizer::load(*folder.tokenizer_json()));

  arch::ModelLoad load;
  load.options.matrices = options_.weights;
  load.options.others = options_.weights == model::Format::F32 ? model::Format::F32 : model::Format::Source;
  load.options.cache = options_.cache;
  model_ = arch::Model::load(device_->gpu(), folder, load);
  encoder_ = model_->find<arch::PackedEncoder>();
  if (!encoder_)
    fail(ErrorCode::Unsupported, "a " + std::string(model_->config().family->name()) +
                                     " model cannot run as an embedding model (no packed encoder)");

  model::Checkpoint& ck = folder.checkpoint();
  st_ = read_sentence_transformers(dir, encoder_->hidden_size(), stored_dense_layers(ck, model_->config()));
  gpu::Context& ctx = device_->gpu();
  dims_ = encoder_->hidden_size();
  uint64_t bytes = model_->weights().device_bytes();
  for (const auto& d : st_.dense) {
    Dense layer;
    if (!d.stored.empty()) {
      std::vector<float> storage;
      layer.weight = ops::upload_weight(ctx, stored_dense_tensor(ck, model_->config(), d, storage));
      ctx.flush_uploads();  // `storage` ends with this scope
    } else {
      model::SafetensorsFile file(d.weights);
      layer.weight = ops::upload_weight(ctx, dense_tensor(file, "linear.weight", {d.out_features, d.in_features}));
      if (d.bias) {
        layer.bias = ops::upload_f32(ctx, dense_tensor(file, "linear.bias", {d.out_features}));
        layer.has_bias = true;
      }
      ctx.flush_uploads();  // the file's mapping ends with this scope
    }
    bytes += layer.weight.bytes();
    dims_ = d.out_features;
    dense_.push_back(std::move(layer));
  }
  account_ = device_->open_account(dir.filename().string());
  account_->add(static_cast<int64_t>(bytes));

  max_tokens_ = encoder_->max_positions() > 0 ? encoder_->max_positions() : 8192;
  if (st_.max_seq_length > 0) max_tokens_ = std::min(max_tokens_, st_.max_seq_length);
  append_eos_ = configured_eos(dir, *tokenizer_);
  if (!append_eos_ && st_.pooling == ops::Pooling::LastToken) append_eos_ = tokenizer_->token_to_id("<|endoftext|>");
}

EmbeddingModel::~EmbeddingModel() = default;

uint64_t EmbeddingModel::device_bytes() const { return account_ ? account_->bytes() : 0; }

std::string EmbeddingModel::prompt(PromptKind kind) const {
  switch (kind) {
    case PromptKind::Query:
      return st_.prompt("query");
    case PromptKind::Document:
      return st_.prompt("document");
    case PromptKind::None:
      break;
  }
  return {};
}

std::vector<int32_t> EmbeddingModel::tokenize(std::string_view text, PromptKind kind) const {
  std::string input = prompt(kind);
  input.append(text);
  text::EncodeOptions with{.add_special_tokens = true, .parse_special = false};
  std::vector<int32_t> ids = tokenizer_->encode(input, with);
  if (append_eos_ && (ids.empty() || ids.back() != *append_eos_)) ids.push_back(*append_eos_);
  if (static_cast<int64_t>(ids.size()) <= max_tokens_) return ids;
  // Too long: cut the text, keep what the template (and the EOS rule) put around it.
  std::vector<int32_t> bare = tokenizer_->encode(input, {.add_special_tokens = false, .parse_special = false});
  auto at = std::search(ids.begin(), ids.end(), bare.begin(), bare.end());
  if (at == ids.end() || bare.empty()) {  // not a plain wrap: keep the start
    ids.resize(static_cast<size_t>(max_tokens_));
    return ids;
  }
  size_t prefix = static_cast<size_t>(at - ids.begin()), suffix = ids.size() - prefix - bare.size();
  size_t keep =
      static_cast<size_t>(max_tokens_) > prefix + suffix ? static_cast<size_t>(max_tokens_) - prefix - suffix : 0;
  std::vector<int32_t> out(ids.begin(), ids.begin() + prefix);
  out.insert(out.end(), bare.begin(), bare.begin() + keep);
  out.insert(out.end(), ids.end() - suffix, ids.end());
  return out;
}

std::vector<float> EmbeddingModel::embed(std::span<const std::string> texts, PromptKind kind, int64_t dims) {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (const auto& t : texts) ids.push_back(tokenize(t, kind));
  return embed_tokens(ids, dims);
}

std::vector<float> EmbeddingModel::embed_tokens(std::span<const std::vector<int32_t>> inputs, int64_t dims) {
  if (dims == 0) dims = dims_;
  require(dims > 0 && dims <= dims_,
          "embedding dimensions must be between 1 and " + std::to_string(dims_) + ", got " + std::to_string(dims));
  for (const auto& in : inputs) {
    require(!in.empty(), "an embedding input has no tokens");
    require(static_cast<int64_t>(in.size()) <= max_tokens_, "an embedding input of " + std::to_string(in.size()) +
                                                                " tokens exceeds the model's " +
                                                                std::to_string(max_tokens_));
  }
  std::vector<float> out(inputs.size() * static_cast<size_t>(dims));
  // Batches in input order, each up to batch_tokens tokens (and 65535 sequences).
  size_t begin = 0;
  while (begin < inputs.size()) {
    size_t end = begin;
    int64_t tokens = 0;
    while (end < inputs.size() && end - begin < 65535 &&
           (end == begin || tokens + static_cast<int64_t>(inputs[end].size()) <= options_.batch_tokens))
      tokens += static_cast<int64_t>(inputs[end++].size());
    run_batch(inputs.subspan(begin, end - begin), dims, out.data() + begin * dims);
    begin = end;
  }
  return out;
}

void EmbeddingModel::run_batch(std::span<const std::vector<int32_t>> inputs, int64_t dims, float* out) {
  gpu::Context& ctx = device_->gpu();
  const int64_t S = static_cast<int64_t>(inputs.size());
  int64_t T = 0;
  for (const auto& in : inputs) T += static_cast<int64_t>(in.size());

  // Host-written inputs: ids, positions, bounds [T, 2], offsets [S + 1].
  const uint64_t ids_at = 0, pos_at = round_up(T * 4), bounds_at = pos_at + round_up(T * 4),
                 offsets_at = bounds_at + round_up(T * 8), io_bytes = offsets_at + round_up((S + 1) * 4);
  gpu::Buffer io = ctx.create_buffer(io_bytes, gpu::MemoryKind::Upload, "embedding inputs");
  auto* base = static_cast<uint8_t*>(io.mapped());
  auto* ids = reinterpret_cast<int32_t*>(base + ids_at);
  auto* pos = reinterpret_cast<int32_t*>(base + pos_at);
  auto* bounds = reinterpret_cast<int32_t*>(base + bounds_at);
  auto* offsets = reinterpret_cast<int32_t*>(base + offsets_at);
  int32_t row = 0;
  offsets[0] = 0;
  for (int64_t s = 0; s < S; ++s) {
    const auto& in = inputs[s];
    const int32_t start = row, end = row + static_cast<int32_t>(in.size());
    for (size_t i = 0; i < in.size(); ++i, ++row) {
      ids[row] = in[i];
      pos[row] = static_cast<int32_t>(i);
      bounds[2 * row] = start;
      bounds[2 * row + 1] = end;
    }
    offsets[s + 1] = end;
  }
  arch::PackedBatch batch{ops::view(io, DType::I32, {T}, ids_at), ops::view(io, DType::I32, {T}, pos_at),
                          ops::view(io, DType::I32, {T, 2}, bounds_at), T};
  gpu::Buffer result = ctx.create_buffer(static_cast<uint64_t>(S * dims) * 4, gpu::MemoryKind::Device, "embeddings");

  gpu::Graph g(ctx, "embed");
  const int64_t H = encoder_->hidden_size();
  ops::Tensor hidden = ops::activation(g, DType::F32, {T, H}, "hidden");
  encoder_->record_packed(g, batch, hidden);
  ops::Tensor x = ops::activation(g, DType::F32, {S, H}, "pooled");
  ops::pool_sequences(g, hidden, ops::view(io, DType::I32, {S + 1}, offsets_at), x, st_.pooling);
  for (const auto& d : dense_) {
    ops::Tensor y = ops::activation(g, DType::F32, {S, d.weight.rows}, "dense");
    ops::linear(g, d.weight, x, y);
    if (d.has_bias) ops::add_bias(g, y, d.bias.tensor, y);
    x = y;
  }
  if (dims < x.dim(1)) {  // Matryoshka: the first dims components, normalised on their own
    ops::Tensor cut = ops::activation(g, DType::F32, {S, dims}, "matryoshka");
    ops::copy_columns(g, x, 0, cut);
    x = cut;
  }
  ops::l2_norm(g, x, ops::view(result, DType::F32, {S, dims}), kNormEps);
  g.compile();
  g.run();
  ctx.download(result, 0, out, static_cast<uint64_t>(S * dims) * 4);
}

}  // namespace vole::runtime
