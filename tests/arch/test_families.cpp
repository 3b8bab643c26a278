// The shape of the engine: a family defined only in this file is registered, written
// by the checkpoint generator, loaded and run through the same code as the built-in
// ones; declared tensors are the only ones a model may have or use; embeddings can be
// injected at chosen rows of a prefill; two models share one device.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/blocks/decoder_stack.h"
#include "arch/blocks/embedding.h"
#include "arch/blocks/mlp.h"
#include "arch/blocks/norm.h"
#include "arch/common/decoder_config.h"
#include "arch/families.h"
#include "arch/family.h"
#include "ops/linear.h"
#include "reference/elementwise.h"
#include "reference/norm.h"
#include "runtime/device.h"
#include "runtime/engine.h"
#include "support/model_fixture.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

// ---- a toy family: token embedding, then per layer x += SwiGLU(RMSNorm(x)), a final
// norm and a tied head. No attention, so a token's logits depend on the token alone.

struct ToyConfig : model::FamilyConfig {
  int64_t vocab = 0, hidden = 0, intermediate = 0, layers = 0;
  std::vector<std::pair<std::string, std::string>> summary() const override {
    return {{"toy", std::to_string(layers) + " MLP layers of " + std::to_string(hidden)}};
  }
};

struct ToyLayer {
  arch::Norm norm;
  arch::Mlp mlp;
};

class ToyDecoder final : public arch::TextDecoder {
 public:
  ToyDecoder(arch::DecoderDims dims, arch::WeightRef embed, std::vector<ToyLayer> layers, arch::Norm final_norm,
             bool use_undeclared)
      : dims_(dims), embed_(embed), layers_(std::move(layers)), final_norm_(final_norm), undeclared_(use_undeclared) {}
  std::string_view name() const override { return "toy decoder"; }
  const arch::DecoderDims& dims() const override { return dims_; }
  void record_forward(gpu::Graph& g, const arch::StepInputs& in, arch::SequenceState&,
                      const ops::Tensor& hidden) const override {
    ops::Tensor x = ops::activation(g, DType::F32, {in.tokens, dims_.hidden}, "x");
    arch::record_embedding(g, embed_, in, x);
    for (const auto& layer : layers_) {
      ops::Tensor n = ops::activation(g, DType::F32, {in.tokens, dims_.hidden}, "n");
      arch::record_norm(g, layer.norm, x, n);
      arch::record_mlp(g, layer.mlp, n, x);
    }
    if (undeclared_) arch::WeightRef{}.vector();  // a builder reading what nobody declared
    arch::record_norm(g, final_norm_, x, hidden);
  }
  void record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const override {
    ops::linear(g, embed_.matrix(), hidden, logits);
  }

 private:
  arch::DecoderDims dims_;
  arch::WeightRef embed_;
  std::vector<ToyLayer> layers_;
  arch::Norm final_norm_;
  bool undeclared_;
};

class ToyFamily final : public arch::Family {
 public:
  explicit ToyFamily(bool use_undeclared = false) : undeclared_(use_undeclared) {}
  std::string_view name() const override { return "toy"; }
  bool reads(std::string_view model_type, std::string_view architecture) const override {
    return model_type == "toy" || architecture == "ToyForCausalLM";
  }
  std::string supported() const override { return "toy (ToyForCausalLM)"; }
  std::shared_ptr<const model::FamilyConfig> parse_config(const model::JsonObject& t) const override {
    auto c = std::make_shared<ToyConfig>();
    c->vocab = t.get_int("vocab_size");
    c->hidden = t.get_int("hidden_size");
    c->intermediate = t.get_int("intermediate_size");
    c->layers = t.get_int("num_hidden_layers");
    return c;
  }
  std::vector<model::TensorPart> parts() const override { return {{"text", {}, false, "toy model"}}; }
  std::span<const model::QuantRule> quant_rules() const override { return kRules; }
  arch::Components create(const model::ModelConfig& config, arch::TensorDeclarer& d) const override {
    const auto& c = config.as<ToyConfig>();
    d.begin_part(parts().front());
    auto embed = d.add("toy.embed.weight", {c.vocab, c.hidden}, model::TensorRole::Embedding);
    std::vector<ToyLayer> layers;
    for (int l = 0; l < c.layers; ++l) {
      std::string p = "toy.layers." + std::to_string(l) + ".";
      layers.push_back({arch::declare_norm(d, p + "norm", c.hidden, arch::NormKind::Rms, 1e-6f, l),
                        arch::declare_gated_mlp(d, p, c.hidden, c.intermediate, arch::MlpKind::SwiGLU, l)});
    }
    arch::Norm final_norm = arch::declare_norm(d, "toy.norm", c.hidden, arch::NormKind::Rms, 1e-6f);
    arch::Components out;
    out.push_back(
        std::make_unique<ToyDecoder>(arch::DecoderDims{static_cast<int>(c.hidden), static_cast<int>(c.vocab), 0, 1},
                                     embed, std::move(layers), final_norm, undeclared_));
    return out;
  }

 private:
  static constexpr model::QuantRule kRules[] = {{"*", model::Precision::Keep, "toy: nothing quantized"}};
  bool undeclared_;
};

// The built-in families plus one more: the one line a new family needs.
model::FamilyTable with(const arch::Family& extra) {
  model::FamilyTable t = arch::families();
  t.add(extra);
  return t;
}

CheckpointSpec toy_spec(const model::FamilyTable& table) {
  CheckpointSpec spec;
  spec.config = {{"architectures", {"ToyForCausalLM"}},
                 {"model_type", "toy"},
                 {"vocab_size", 512},
                 {"hidden_size", 64},
                 {"intermediate_size", 96},
                 {"num_hidden_layers", 2}};
  spec.families = &table;
  spec.format = CheckpointFormat::F32;
  spec.mtp = false;
  return spec;
}

runtime::EngineOptions toy_options(const model::FamilyTable& table) {
  runtime::EngineOptions o = engine_options(model::Format::F32, 64);
  o.families = &table;
  return o;
}

// The toy model's logits for one token, in plain C++ from the generated weights.
std::vector<float> toy_reference(const CheckpointSpec& spec, int32_t token) {
  model::ModelConfig config = parsed_config(spec);
  std::map<std::string, std::vector<float>> w;
  for (const auto& t : config.family->tensors(config, model::Selection::core())) w[t.name] = reference_values(spec, t);
  const int H = 64, F = 96, V = 512;
  std::vector<float> x(w["toy.embed.weight"].begin() + token * H, w["toy.embed.weight"].begin() + (token + 1) * H);
  auto matvec = [](const std::vector<float>& W, const std::vector<float>& v, int rows) {
    std::vector<float> y(rows);
    int cols = static_cast<int>(v.size());
    for (int r = 0; r < rows; ++r) {
      double acc = 0;
      for (int c = 0; c < cols; ++c) acc += static_cast<double>(W[r * cols + c]) * v[c];
      y[r] = static_cast<float>(acc);
    }
    return y;
  };
  for (int l = 0; l < 2; ++l) {
    std::string p = "toy.layers." + std::to_string(l) + ".";
    auto n = ref::rms_norm(x, H, w[p + "norm.weight"], 1e-6f, false);
    auto h = ref::swiglu(matvec(w[p + "gate_proj.weight"], n, F), matvec(w[p + "up_proj.weight"], n, F));
    auto d = matvec(w[p + "down_proj.weight"], h, H);
    for (int i = 0; i < H; ++i) x[i] += d[i];
  }
  return matvec(w["toy.embed.weight"], ref::rms_norm(x, H, w["toy.norm.weight"], 1e-6f, false), V);
}

}  // namespace

TEST(Families, ToyFamilyFromTheTestFolderLoadsAndRuns) {
  ToyFamily toy;
  model::FamilyTable table = with(toy);
  TempDir dir;
  CheckpointSpec spec = toy_spec(table);
  write_checkpoint(dir.path(), spec);
  runtime::Engine engine(dir.path(), toy_options(table));
  EXPECT_EQ(engine.config().family->name(), "toy");
  EXPECT_EQ(engine.model().weights().size(), 1u + 2 * 4 + 1);
  std::vector<int32_t> tokens{3, 100, 511, 7};
  auto got = engine.new_sequence()->evaluate_all(tokens);
  for (size_t t = 0; t < tokens.size(); ++t) {
    auto want = toy_reference(spec, tokens[t]);
    EXPECT_LT(relative_error(&got[t * 512], want.data(), 512), 1e-4) << "token " << tokens[t];
  }
  // The built-in table does not know it.
  ErrorCode code{};
  try {
    runtime::Engine unknown(dir.path(), engine_options(model::Format::F32, 64));
  } catch (const Error& e) {
    code = e.code();
    EXPECT_NE(std::string(e.what()).find("unsupported model (model_type \"toy\""), std::string::npos) << e.what();
  }
  EXPECT_EQ(code, ErrorCode::Unsupported);
}

TEST(Families, ATensorNoGraphDeclaresFailsTheLoad) {
  ToyFamily toy;
  model::FamilyTable table = with(toy);
  TempDir dir;
  CheckpointSpec spec = toy_spec(table);
  write_checkpoint(dir.path(), spec);
  // Add a stray tensor to the checkpoint.
  std::vector<RawTensor> tensors;
  model::ModelConfig config = parsed_config(spec);
  for (const auto& t : config.family->tensors(config, model::Selection::core())) {
    std::vector<uint8_t> bytes;
    for (float v : reference_values(spec, t)) {
      uint8_t b[4];
      std::memcpy(b, &v, 4);
      bytes.insert(bytes.end(), b, b + 4);
    }
    tensors.push_back({t.name, "F32", t.shape, std::move(bytes)});
  }
  tensors.push_back({"toy.layers.0.extra.bias", "F32", {64}, std::vector<uint8_t>(256, 0)});
  write_safetensors(dir.path() / "model.safetensors", tensors);
  try {
    runtime::Engine engine(dir.path(), toy_options(table));
    FAIL() << "a tensor no graph uses was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidFile);
    EXPECT_NE(std::string(e.what()).find("\"toy.layers.0.extra.bias\" is not used by the toy model"), std::string::npos)
        << e.what();
  }
}

TEST(Families, AGraphReadingAnUndeclaredTensorFailsClearly) {
  ToyFamily toy(/*use_undeclared=*/true);
  model::FamilyTable table = with(toy);
  TempDir dir;
  write_checkpoint(dir.path(), toy_spec(table));
  runtime::Engine engine(dir.path(), toy_options(table));
  try {
    engine.new_sequence()->evaluate_all(std::vector<int32_t>{1, 2});
    FAIL() << "an undeclared weight was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("never declared"), std::string::npos) << e.what();
  }
}

// Embeddings injected at rows of a prefill replace those tokens' lookups: injecting the
// embedding rows of other tokens gives exactly the logits of a prompt with those tokens.
TEST(Families, InjectedEmbeddingsReplaceTokenRows) {
  TempDir dir;
  for (const char* preset : {"tiny-qwen3_5", "tiny-qwen3"}) {
    TinyModel m = make_tiny_model(dir, preset, CheckpointFormat::F32, 512);
    runtime::Engine engine(m.dir, engine_options(model::Format::F32, 64));
    const int hidden = engine.decoder().dims().hidden;
    std::vector<int32_t> real{5, 17, 40, 41, 42, 9}, padded{5, 17, 0, 0, 0, 9};
    // Rows 2..4 of the embedding table's tokens 40..42, on the device.
    auto weights = reference_weights(m.dir, model::Format::F32);
    const auto& table =
        weights.at(std::string(std::string_view(preset) == "tiny-qwen3_5" ? "model.language_model." : "model.") +
                   "embed_tokens.weight");
    std::vector<float> rows(table.begin() + 40 * hidden, table.begin() + 43 * hidden);
    auto buf =
        std::make_shared<gpu::Buffer>(engine.gpu().create_buffer(rows.size() * 4, gpu::MemoryKind::Device, "injected"));
    engine.gpu().upload(*buf, 0, rows.data(), rows.size() * 4);
    runtime::AppendExtras extras;
    extras.embeddings.push_back({2, "rows 40-42", ops::view(*buf, DType::F32, {3, hidden}), buf});

    auto plain = engine.new_sequence();
    plain->append(real);
    auto want = plain->logits();
    runtime::SequenceOptions so;
    so.capacity = 64;
    so.prefill_chunk = 3;  // the injection straddles two prefill chunks
    runtime::Sequence injected(engine.gpu(), engine.decoder(), so);
    injected.append(padded, extras);
    auto got = injected.logits();
    EXPECT_LT(relative_error(got.data(), want.data(), want.size()), 1e-5) << preset;
    auto untouched = engine.new_sequence();
    untouched->append(padded);
    EXPECT_GT(relative_error(untouched->logits().data(), want.data(), want.size()), 1e-2) << preset;
  }
}

// A Qwen3 and a Qwen3.5 model on one device, answering alternately: each gives what it
// gives alone, and the device accounts for both.
TEST(Families, TwoModelsShareOneDevice) {
  TempDir dir;
  TinyModel a = make_tiny_model(dir, "tiny-qwen3", CheckpointFormat::F32, 512);
  TinyModel b = make_tiny_model(dir, "tiny-qwen3_5", CheckpointFormat::F32, 512);
  std::vector<int32_t> prompt{3, 1, 4, 1, 5, 9, 2, 6};
  auto alone = [&](const TinyModel& m) {
    runtime::Engine e(m.dir, engine_options(model::Format::F32, 64));
    auto s = e.new_sequence();
    s->sync(prompt);
    std::vector<int32_t> out;
    int32_t t = s->sample(runtime::SamplingOptions::greedy(), 1, 0);
    for (int i = 0; i < 12; ++i) {
      out.push_back(t);
      t = s->step(t, runtime::SamplingOptions::greedy(), 1, i + 1);
    }
    return out;
  };
  std::vector<int32_t> want_a = alone(a), want_b = alone(b);

  auto device = std::make_shared<runtime::Device>();
  runtime::Engine ea(device, a.dir, engine_options(model::Format::F32, 64));
  runtime::Engine eb(device, b.dir, engine_options(model::Format::F32, 64));
  EXPECT_EQ(&ea.gpu(), &eb.gpu());
  auto sa = ea.new_sequence(), sb = eb.new_sequence();
  sa->sync(prompt);
  sb->sync(prompt);
  auto greedy = runtime::SamplingOptions::greedy();
  int32_t ta = sa->sample(greedy, 1, 0), tb = sb->sample(greedy, 1, 0);
  std::vector<int32_t> got_a, got_b;
  for (int i = 0; i < 12; ++i) {  // interleaved steps
    got_a.push_back(ta);
    got_b.push_back(tb);
    ta = sa->step(ta, greedy, 1, i + 1);
    tb = sb->step(tb, greedy, 1, i + 1);
  }
  EXPECT_EQ(got_a, want_a);
  EXPECT_EQ(got_b, want_b);
  auto usage = device->usage();
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(usage[0].bytes, ea.device_bytes());
  EXPECT_EQ(usage[1].bytes, eb.device_bytes());
  EXPECT_GT(ea.device_bytes(), ea.load_report().weight_bytes);  // weights and the live sequence
  EXPECT_LE(usage[0].bytes + usage[1].bytes, device->bytes_in_use());
}

// The --gpu-memory limit covers every model on the device: the first fits, the second
// does not, and the first keeps working. (The full 151936-token vocabulary makes the
// embedding a buffer of its own, so the models' memory is not hidden in shared blocks.)
TEST(Families, MemoryLimitCoversEveryModel) {
  TempDir dir;
  TinyModel a = make_tiny_model(dir, "tiny-qwen3", CheckpointFormat::F32, 0);
  uint64_t one_model = 0, weights = 0;
  {
    auto probe = std::make_shared<runtime::Device>();
    runtime::Engine e(probe, a.dir, engine_options(model::Format::F32, 64));
    e.new_sequence();
    one_model = probe->gpu().device_bytes_peak();
    weights = e.load_report().weight_bytes;
  }
  // Room for one model and half of another's weights.
  auto device = std::make_shared<runtime::Device>(runtime::DeviceOptions{"", one_model + weights / 2});
  runtime::Engine first(device, a.dir, engine_options(model::Format::F32, 64));
  try {
    runtime::Engine second(device, a.dir, engine_options(model::Format::F32, 64));
    FAIL() << "two models fit in the memory of one and a half";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::OutOfMemory) << e.what();
  }
  auto s = first.new_sequence();
  s->sync(std::vector<int32_t>{1, 2, 3});
  EXPECT_EQ(s->length(), 3);
}
