// Embedding models on the GPU vs the CPU reference (tests/reference/embedding_forward.*)
// on tiny random checkpoints written by the generator with every sentence-transformers
// file: EmbeddingGemma (bidirectional Gemma 3 encoder, sliding window of radius 8 so the
// longer inputs cross it, mean pooling, two Dense layers) and Qwen3-Embedding (causal
// Qwen3, last-token pooling, no Dense). Inputs of several lengths are packed into one GPU
// pass; each vector must equal the reference of that input alone.
//
// Tolerance: 1e-3 absolute on unit vectors (components ~0.1). The GPU computes in f32
// with other summation orders than the reference's f64; the errors seen are ~1e-6.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "model/family.h"
#include "model/safetensors.h"
#include "model/weight_loader.h"
#include "reference/embedding_forward.h"
#include "runtime/embedding_model.h"
#include "support/model_fixture.h"
#include "support/oracles.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr int kVocab = 512;
constexpr double kTolerance = 1e-3;

// What config.json says, read here from the file (not through the engine's parser).
ref::EncoderSpec encoder_spec(const nlohmann::json& c) {
  ref::EncoderSpec s;
  s.gemma = c.at("model_type") == "gemma3_text";
  s.hidden = c.at("hidden_size");
  s.intermediate = c.at("intermediate_size");
  s.layers = c.at("num_hidden_layers");
  s.heads = c.at("num_attention_heads");
  s.kv_heads = c.at("num_key_value_heads");
  s.head_dim = c.at("head_dim");
  s.eps = c.at("rms_norm_eps").get<float>();
  if (s.gemma) {
    s.scale = 1.0f / std::sqrt(c.at("query_pre_attn_scalar").get<float>());
    s.theta_full = c.at("rope_theta").get<float>();
    s.theta_sliding = c.at("rope_local_base_freq").get<float>();
    for (const auto& t : c.at("layer_types")) s.sliding.push_back(t == "sliding_attention");
    s.radius = c.at("sliding_window").get<int>() / 2;  // spec §4.3: |t - s| < window // 2 + 1
  } else {
    s.scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
    s.theta_full = c.at("rope_theta").get<float>();
    s.prefix = "model.";
  }
  return s;
}

// The head as the folder's files describe it, Dense weights read back from their safetensors.
ref::HeadSpec head_spec(const std::filesystem::path& dir) {
  ref::HeadSpec h;
  nlohmann::json pooling = nlohmann::json::parse(std::ifstream(dir / "1_Pooling" / "config.json"));
  h.mean_pooling = pooling.at("pooling_mode_mean_tokens");
  nlohmann::json modules = nlohmann::json::parse(std::ifstream(dir / "modules.json"));
  for (const auto& m : modules) {
    if (m.at("type") != "sentence_transformers.models.Dense") continue;
    nlohmann::json cfg = nlohmann::json::parse(std::ifstream(dir / m.at("path").get<std::string>() / "config.json"));
    model::SafetensorsFile f(dir / m.at("path").get<std::string>() / "model.safetensors");
    const auto* e = f.find("linear.weight");
    ref::DenseSpec d;
    d.in = cfg.at("in_features");
    d.out = cfg.at("out_features");
    d.weight.resize(e->numel());
    std::memcpy(d.weight.data(), f.bytes(*e).data(), d.weight.size() * 4);
    h.dense.push_back(std::move(d));
  }
  return h;
}

double max_abs_diff(const float* a, const float* b, size_t n) {
  double worst = 0;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

double norm(const float* a, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * a[i];
  return std::sqrt(s);
}

class EmbeddingForward : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { device_ = std::make_shared<runtime::Device>(); }
  static void TearDownTestSuite() { device_.reset(); }

  void SetUp() override {
    if (GetParam() == "tiny-embeddinggemma" &&
        !oracle_available(oracle_dir() / "node_modules" / "@lenml" / "tokenizer-gemma3" / "models"))
      GTEST_SKIP() << "the Gemma 3 tokenizer is missing (tests/oracles/fetch.sh)";
    model_ = make_tiny_model(dir_, GetParam(), CheckpointFormat::F32, kVocab);
    runtime::EmbeddingOptions o;
    o.weights = model::Format::F32;
    o.cache = model::CachePolicy::Off;
    embedder_ = std::make_unique<runtime::EmbeddingModel>(device_, model_.dir, o);
    weights_ = reference_weights(model_.dir, model::Format::F32);
    spec_ = encoder_spec(model_.spec.config);
    head_ = head_spec(model_.dir);
  }

  std::vector<std::vector<int32_t>> inputs() const {
    std::vector<std::vector<int32_t>> in;
    uint32_t seed = 1;
    for (size_t n : {1, 5, 17, 40, 9}) in.push_back(token_sequence(n, kVocab, seed++));
    return in;
  }

  static inline std::shared_ptr<runtime::Device> device_;
  TempDir dir_{"vole-embed"};
  TinyModel model_;
  std::unique_ptr<runtime::EmbeddingModel> embedder_;
  ref::WeightMap weights_;
  ref::EncoderSpec spec_;
  ref::HeadSpec head_;
};

TEST_P(EmbeddingForward, PackedBatchMatchesReference) {
  auto in = inputs();
  const int64_t d = embedder_->dims();
  EXPECT_EQ(d, head_.dense.empty() ? spec_.hidden : head_.dense.back().out);
  std::vector<float> got = embedder_->embed_tokens(in);
  ASSERT_EQ(got.size(), in.size() * d);
  for (size_t i = 0; i < in.size(); ++i) {
    std::vector<float> want = ref::embedding_forward(spec_, weights_, head_, in[i]);
    double err = max_abs_diff(&got[i * d], want.data(), d);
    EXPECT_LT(err, kTolerance) << "input " << i << " of " << in[i].size() << " tokens";
    EXPECT_NEAR(norm(&got[i * d], d), 1.0, 1e-5);
    RecordProperty("max_abs_error_" + std::to_string(in[i].size()), std::to_string(err));
  }
}

// Packing must not let sequences see each other: each alone, and in passes of at most 16
// tokens, give the same vectors as one pass over all of them.
TEST_P(EmbeddingForward, BatchedEqualsOneAtATime) {
  auto in = inputs();
  const int64_t d = embedder_->dims();
  std::vector<float> together = embedder_->embed_tokens(in);
  for (size_t i = 0; i < in.size(); ++i) {
    std::vector<float> alone = embedder_->embed_tokens(std::span(in).subspan(i, 1));
    EXPECT_LT(max_abs_diff(alone.data(), &together[i * d], d), 1e-5) << "input " << i;
  }
  runtime::EmbeddingOptions small;
  small.weights = model::Format::F32;
  small.cache = model::CachePolicy::Off;
  small.batch_tokens = 16;
  runtime::EmbeddingModel split(device_, model_.dir, small);
  std::vector<float> passes = split.embed_tokens(in);
  EXPECT_LT(max_abs_diff(passes.data(), together.data(), together.size()), 1e-5);
}

// Matryoshka: the first n components, normalised again.
TEST_P(EmbeddingForward, TruncatedDimsAreRenormalisedPrefixes) {
  auto in = inputs();
  const int n = 32;
  std::vector<float> got = embedder_->embed_tokens(in, n);
  ASSERT_EQ(got.size(), in.size() * n);
  for (size_t i = 0; i < in.size(); ++i) {
    std::vector<float> want = ref::embedding_forward(spec_, weights_, head_, in[i], n);
    EXPECT_LT(max_abs_diff(&got[i * n], want.data(), n), kTolerance);
    EXPECT_NEAR(norm(&got[i * n], n), 1.0, 1e-5);
  }
  EXPECT_THROW(embedder_->embed_tokens(in, embedder_->dims() + 1), Error);
}

// The reference's attention pattern is what makes it match: EmbeddingGemma without its
// sliding window (or Qwen3 without its causal mask) is far off for the 40-token input.
TEST_P(EmbeddingForward, AttentionMaskIsPartOfTheComparison) {
  if (!spec_.gemma) GTEST_SKIP() << "a causal decoder has no window to remove";
  auto in = inputs();
  const auto& longest = in[3];
  std::vector<float> got = embedder_->embed_tokens(std::span(in).subspan(3, 1));
  ref::EncoderSpec other = spec_;
  other.radius = 1000;
  std::vector<float> want = ref::embedding_forward(other, weights_, head_, longest);
  EXPECT_GT(max_abs_diff(got.data(), want.data(), want.size()), 20 * kTolerance);
}

TEST_P(EmbeddingForward, PromptsAndSpecialTokens) {
  const auto& tok = embedder_->tokenizer();
  std::vector<int32_t> body = tok.encode("hello world", {.add_special_tokens = false, .parse_special = false});
  if (spec_.gemma) {
    EXPECT_EQ(embedder_->prompt(runtime::PromptKind::Query), "task: search result | query: ");
    EXPECT_EQ(embedder_->prompt(runtime::PromptKind::Document), "title: none | text: ");
    // <bos> prompt + text <eos> (spec §6): BOS from the file's template, EOS by add_eos_token.
    std::vector<int32_t> q = embedder_->tokenize("hello world", runtime::PromptKind::Query);
    std::vector<int32_t> want{2};
    auto p = tok.encode("task: search result | query: hello world", {.add_special_tokens = false});
    want.insert(want.end(), p.begin(), p.end());
    want.push_back(1);
    EXPECT_EQ(q, want);
    std::vector<int32_t> raw = embedder_->tokenize("hello world", runtime::PromptKind::None);
    std::vector<int32_t> want_raw{2};
    want_raw.insert(want_raw.end(), body.begin(), body.end());
    want_raw.push_back(1);
    EXPECT_EQ(raw, want_raw);
  } else {
    // Queries get the instruction, documents nothing; every input ends with <|endoftext|>.
    EXPECT_EQ(embedder_->prompt(runtime::PromptKind::Document), "");
    std::vector<int32_t> d = embedder_->tokenize("hello world", runtime::PromptKind::Document);
    std::vector<int32_t> want = body;
    want.push_back(*tok.token_to_id("<|endoftext|>"));
    EXPECT_EQ(d, want);
    std::string q = embedder_->prompt(runtime::PromptKind::Query);
    EXPECT_TRUE(q.starts_with("Instruct: ") && q.ends_with("\nQuery:")) << q;
  }
  // Too long: the text is cut, the specials stay.
  std::string longtext;
  for (int64_t i = 0; i < embedder_->max_tokens() + 100; ++i) longtext += "word ";
  std::vector<int32_t> cut = embedder_->tokenize(longtext, runtime::PromptKind::Document);
  EXPECT_EQ(static_cast<int64_t>(cut.size()), embedder_->max_tokens());
  std::vector<int32_t> whole = embedder_->tokenize("word", runtime::PromptKind::Document);
  EXPECT_EQ(cut.back(), whole.back());
  EXPECT_EQ(cut.front(), whole.front());
}

INSTANTIATE_TEST_SUITE_P(Models, EmbeddingForward, ::testing::Values("tiny-embeddinggemma", "tiny-qwen3-embedding"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// Qwen3-Embedding-0.6B stores its decoder without the "model." prefix (a bare Qwen3Model
// save): the same weights under those names give the same vectors.
TEST(EmbeddingCheckpoints, BareQwen3NamesLoadLikePrefixedOnes) {
  TempDir dir("vole-embed-bare");
  TinyModel m = make_tiny_model(dir, "tiny-qwen3-embedding", CheckpointFormat::F32, kVocab);
  auto bare = dir.path() / "bare";
  std::filesystem::copy(m.dir, bare, std::filesystem::copy_options::recursive);
  {
    model::SafetensorsFile f(m.dir / "model.safetensors");
    std::vector<RawTensor> renamed;
    for (const auto& e : f.header().tensors) {
      ASSERT_TRUE(e.name.starts_with("model.")) << e.name;
      auto bytes = f.bytes(e);
      renamed.push_back({e.name.substr(6), "F32", e.shape, {bytes.begin(), bytes.end()}});
    }
    write_safetensors(bare / "model.safetensors", renamed);
  }
  auto device = std::make_shared<runtime::Device>();
  runtime::EmbeddingOptions o{.weights = model::Format::F32, .cache = model::CachePolicy::Off};
  runtime::EmbeddingModel a(device, m.dir, o), b(device, bare, o);
  auto in = std::vector<std::vector<int32_t>>{token_sequence(12, kVocab, 3)};
  std::vector<float> va = a.embed_tokens(in), vb = b.embed_tokens(in);
  EXPECT_EQ(va, vb);
}

// mlx-community/embeddinggemma-300m-4bit's layout (mlx-embeddings): the encoder under
// "model.", every matrix (embedding and the two Dense layers included) MLX affine 4-bit with
// group 64 (U32 weight, BF16 scales and biases), norms BF16, config "quantization", the Dense
// layers as "dense.0.*" / "dense.1.*" in model.safetensors and no modules.json, pooling or Dense
// folders. The GPU vectors must match the reference run on the generator's own dequantized
// values (not the engine's loader), in f32 and in the native Q4 load.
TEST(EmbeddingCheckpoints, EmbeddingGemmaMlx4LayoutMatchesReference) {
  if (!oracle_available(oracle_dir() / "node_modules" / "@lenml" / "tokenizer-gemma3" / "models"))
    GTEST_SKIP() << "the Gemma 3 tokenizer is missing (tests/oracles/fetch.sh)";
  TempDir dir("vole-embed-mlx4");
  TinyModel m = make_tiny_model(dir, "tiny-embeddinggemma", CheckpointFormat::Mlx4, kVocab);
  ASSERT_FALSE(std::filesystem::exists(m.dir / "modules.json"));
  {
    model::SafetensorsFile f(m.dir / "model.safetensors");
    for (const char* name : {"model.embed_tokens.scales", "model.layers.0.self_attn.q_proj.biases", "dense.0.weight",
                             "dense.0.scales", "dense.1.biases"})
      EXPECT_NE(f.find(name), nullptr) << name;
    EXPECT_EQ(f.find("dense.0.weight")->shape, (std::vector<int64_t>{512, 128 * 4 / 32}));
  }
  model::ModelConfig config = parsed_config(m.spec);
  ref::WeightMap weights;
  for (const auto& t : config.family->tensors(config, model::Selection::core()))
    weights[t.name] = reference_values(m.spec, t);
  ref::EncoderSpec spec = encoder_spec(m.spec.config);
  ref::HeadSpec head;
  head.mean_pooling = true;
  int in_width = static_cast<int>(spec.hidden);
  for (size_t i = 0; i < m.spec.sentence_transformers->dense_out.size(); ++i) {
    ref::DenseSpec d;
    d.in = in_width;
    d.out = static_cast<int>(m.spec.sentence_transformers->dense_out[i]);
    d.weight = dense_values(m.spec, i, d.out, d.in);
    in_width = d.out;
    head.dense.push_back(std::move(d));
  }
  std::vector<std::vector<int32_t>> in;
  uint32_t seed = 7;
  for (size_t n : {3, 20, 33}) in.push_back(token_sequence(n, kVocab, seed++));

  auto device = std::make_shared<runtime::Device>();
  uint64_t f32_bytes = 0;
  for (auto format : {model::Format::F32, model::Format::Source}) {
    runtime::EmbeddingOptions o{.weights = format, .cache = model::CachePolicy::Off};
    runtime::EmbeddingModel e(device, m.dir, o);
    ASSERT_EQ(e.dims(), 128);
    EXPECT_EQ(e.prompt(runtime::PromptKind::Query),
              m.spec.sentence_transformers->prompts.at("query").get<std::string>());
    // The native load keeps the 4-bit matrices 4-bit (same nibbles, scales exact in f16).
    if (format == model::Format::F32)
      f32_bytes = e.device_bytes();
    else
      EXPECT_LT(e.device_bytes() * 3, f32_bytes) << "the MLX matrices were not loaded as Q4";
    std::vector<float> got = e.embed_tokens(in);
    for (size_t i = 0; i < in.size(); ++i) {
      std::vector<float> want = ref::embedding_forward(spec, weights, head, in[i]);
      double err = max_abs_diff(&got[i * 128], want.data(), 128);
      EXPECT_LT(err, kTolerance) << model::format_name(format) << ", input " << i;
      std::printf("mlx4 %s load, %zu tokens: max abs error %.2e\n", model::format_name(format), in[i].size(), err);
    }
  }
}

// Folders the sentence-transformers reader must refuse with a clear error.
TEST(SentenceTransformersFiles, UnsupportedPipelinesAreRefused) {
  TempDir dir("vole-st");
  auto write = [&](const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  };
  auto expect_error = [&](const char* what, const std::string& needle) {
    try {
      runtime::read_sentence_transformers(dir.path(), 8);
      ADD_FAILURE() << what << ": no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << what << ": " << e.what();
    }
  };
  expect_error("no modules.json", "no modules.json");
  write(dir.path() / "modules.json",
        R"([{"idx":0,"path":"","type":"sentence_transformers.models.Transformer"},
            {"idx":1,"path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
            {"idx":2,"path":"2_X","type":"sentence_transformers.models.WeightedLayerPooling"}])");
  write(dir.path() / "1_Pooling" / "config.json", R"({"word_embedding_dimension":8,"pooling_mode_cls_token":true})");
  expect_error("CLS pooling", "pooling_mode_cls_token");
  write(dir.path() / "1_Pooling" / "config.json", R"({"word_embedding_dimension":8,"pooling_mode_mean_tokens":true})");
  expect_error("unknown module", "WeightedLayerPooling");
  write(dir.path() / "modules.json",
        R"([{"idx":0,"path":"","type":"sentence_transformers.models.Transformer"},
            {"idx":1,"path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
            {"idx":2,"path":"2_Dense","type":"sentence_transformers.models.Dense"}])");
  write(dir.path() / "2_Dense" / "config.json", R"({"in_features":8,"out_features":4,"bias":false})");
  expect_error("Tanh dense", "Tanh");
  write(dir.path() / "2_Dense" / "config.json",
        R"({"in_features":16,"out_features":4,"bias":false,"activation_function":"torch.nn.modules.linear.Identity"})");
  expect_error("Dense without weights", "model.safetensors");
}

// Dense layers kept in the model's checkpoint (the MLX layout): with no modules.json they form
// mlx-embeddings' pipeline; a Dense folder without weights takes them; any disagreement in
// shape is refused.
TEST(SentenceTransformersFiles, DenseLayersStoredWithTheEncoder) {
  TempDir dir("vole-st-stored");
  auto write = [&](const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  };
  const std::vector<runtime::StoredDense> stored{{"dense.0", 16, 8}, {"dense.1", 4, 16}};
  runtime::SentenceTransformersConfig c = runtime::read_sentence_transformers(dir.path(), 8, stored);
  EXPECT_EQ(c.pooling, ops::Pooling::Mean);
  ASSERT_EQ(c.dense.size(), 2u);
  EXPECT_EQ(c.dense[1].stored, "dense.1");
  EXPECT_EQ(c.dense[1].out_features, 4);
  EXPECT_TRUE(c.normalize);
  EXPECT_THROW(runtime::read_sentence_transformers(dir.path(), 12, stored), Error);  // 12 values into dense.0

  write(dir.path() / "modules.json",
        R"([{"idx":0,"path":"","type":"sentence_transformers.models.Transformer"},
            {"idx":1,"path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
            {"idx":2,"path":"2_Dense","type":"sentence_transformers.models.Dense"},
            {"idx":3,"path":"3_Dense","type":"sentence_transformers.models.Dense"},
            {"idx":4,"path":"4_Normalize","type":"sentence_transformers.models.Normalize"}])");
  write(dir.path() / "1_Pooling" / "config.json", R"({"word_embedding_dimension":8,"pooling_mode_mean_tokens":true})");
  write(dir.path() / "2_Dense" / "config.json",
        R"({"in_features":8,"out_features":16,"bias":false,"activation_function":"torch.nn.modules.linear.Identity"})");
  c = runtime::read_sentence_transformers(dir.path(), 8, stored);  // 3_Dense has no folder at all
  ASSERT_EQ(c.dense.size(), 2u);
  EXPECT_EQ(c.dense[0].stored, "dense.0");
  EXPECT_EQ(c.dense[1].stored, "dense.1");
  write(dir.path() / "2_Dense" / "config.json",
        R"({"in_features":8,"out_features":32,"bias":false,"activation_function":"torch.nn.modules.linear.Identity"})");
  try {
    runtime::read_sentence_transformers(dir.path(), 8, stored);
    ADD_FAILURE() << "a config that disagrees with the stored weight was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("disagrees"), std::string::npos) << e.what();
  }
}

}  // namespace
