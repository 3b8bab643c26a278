// End-to-end loading of generated Hugging Face folders: plain, MLX and GPTQ sources,
// on-the-fly quantization, sharded and selective loads, and validation errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "model/q4.h"
#include "arch/families.h"
#include "model/quant_rules.h"
#include "model_test_util.h"
#include "support/oracles.h"
#include "support/temp_dir.h"
#include "util/error.h"
#include "util/half.h"

using namespace vole;
using namespace vole::model;
using namespace vole::test;

namespace {

LoadOptions no_cache(LoadOptions o = {}) {
  o.cache = CachePolicy::Off;
  return o;
}

// Every tensor equals the generator's reference values exactly.
void expect_exact(const CheckpointSpec& spec, const std::map<std::string, Loaded>& loaded) {
  for (const auto& [name, l] : loaded) {
    std::vector<float> ref = reference_values(spec, spec_of(spec, name));
    ASSERT_EQ(l.values.size(), ref.size()) << name;
    for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(l.values[i], ref[i]) << name << " [" << i << "]";
  }
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_file(const std::filesystem::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST(Loader, PlainCheckpointsLoadExactly) {
  for (auto format : {CheckpointFormat::F32, CheckpointFormat::BF16, CheckpointFormat::F16}) {
    TempDir dir;
    CheckpointSpec spec = small_spec("tiny-qwen3_5", format);
    write_checkpoint(dir.path(), spec);
    ModelFolder folder(dir.path(), arch::families());
    WeightLoader loader(folder, no_cache({.matrices = Format::Source, .others = Format::Source}));
    const LoadPlan& plan = loader.plan();
    EXPECT_TRUE(plan.lm_head_tied);
    EXPECT_EQ(plan.tensors.size(), expected_tensors(spec).size());
    for (const auto& t : plan.tensors) EXPECT_TRUE(t.data_direct) << t.spec.name;  // straight from the map
    auto loaded = load_all(loader);
    EXPECT_EQ(loaded.size(), plan.tensors.size());
    expect_exact(spec, loaded);
    EXPECT_EQ(loader.stats().converted, 0u);
    // A_log stays F32 in the checkpoint, so Source gives F32 there.
    EXPECT_EQ(loaded.at("model.language_model.layers.0.linear_attn.A_log").info.dtype, DType::F32);
    EXPECT_EQ(loaded.at("model.language_model.layers.0.linear_attn.conv1d.weight").info.shape,
              (std::vector<int64_t>{512, 1, 4}));
  }
}

TEST(Loader, FolderFilesAndTokenizer) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3", CheckpointFormat::BF16);
  spec.tokenizer = oracle_available(qwen3_tokenizer_dir() / "tokenizer.json");
  auto tpl = dir / "my_template.jinja";
  write_file(tpl, "{{ messages[0].content }}");
  spec.chat_template = tpl;
  auto model_dir = dir / "model";
  write_checkpoint(model_dir, spec);
  ModelFolder folder(model_dir, arch::families());
  EXPECT_EQ(folder.config().family->name(), "qwen3");
  EXPECT_TRUE(folder.has_generation_config());
  EXPECT_EQ(folder.generation().eos_token_ids, (std::vector<int64_t>{151645, 151643}));
  EXPECT_DOUBLE_EQ(*folder.generation().temperature, 0.6);
  EXPECT_FALSE(folder.chat_template_jinja());
  if (spec.tokenizer) {
    ASSERT_TRUE(folder.tokenizer_json());
    ASSERT_TRUE(folder.tokenizer_config_json());
    EXPECT_NE(read_file(*folder.tokenizer_config_json()).find("{{ messages[0].content }}"), std::string::npos);
  }
  std::filesystem::remove(model_dir / "config.json");
  EXPECT_NE(error_text([&] { ModelFolder f(model_dir, arch::families()); }).find("has no config.json"), std::string::npos);
  EXPECT_NE(error_text([&] { ModelFolder f(dir / "nope", arch::families()); }).find("does not exist"), std::string::npos);
}

TEST(Loader, OnTheFlyQ4FollowsTheRuleTable) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3_5", CheckpointFormat::BF16);
  write_checkpoint(dir.path(), spec);
  ModelFolder folder(dir.path(), arch::families());
  WeightLoader loader(folder, no_cache());  // matrices Q4, others Source
  auto loaded = load_all(loader);
  const std::string p = "model.language_model.layers.0.";
  for (const char* q4 : {"model.language_model.embed_tokens.weight", "model.language_model.layers.0.linear_attn.in_proj_qkv.weight",
                         "model.language_model.layers.0.linear_attn.out_proj.weight", "model.language_model.layers.3.self_attn.q_proj.weight",
                         "model.language_model.layers.3.self_attn.o_proj.weight", "model.language_model.layers.0.mlp.down_proj.weight"}) {
    EXPECT_EQ(loaded.at(q4).info.dtype, DType::Q4) << q4;
    EXPECT_EQ(loaded.at(q4).info.group_size, 128) << q4;
  }
  for (const char* kept : {"linear_attn.in_proj_a.weight", "linear_attn.in_proj_b.weight", "linear_attn.conv1d.weight",
                           "linear_attn.norm.weight", "input_layernorm.weight", "linear_attn.dt_bias"})
    EXPECT_EQ(loaded.at(p + kept).info.dtype, DType::BF16) << kept;
  EXPECT_EQ(loaded.at(p + "linear_attn.A_log").info.dtype, DType::F32);
  // Every quantized value within half a step of the original.
  for (const auto& [name, l] : loaded) {
    std::vector<float> ref = reference_values(spec, spec_of(spec, name));
    if (l.info.dtype != DType::Q4) {
      EXPECT_EQ(l.values, ref) << name;
      continue;
    }
    for (size_t i = 0; i < ref.size(); ++i) {
      float s = q4_scale_at(l, i);
      ASSERT_LE(std::fabs(l.values[i] - ref[i]), s / 2 + 1e-6f * (std::fabs(ref[i]) + s)) << name << " " << i;
    }
  }
  EXPECT_GT(loader.stats().converted, 0u);
  EXPECT_GT(loader.stats().direct, 0u);
}

TEST(Loader, FormatsF16F32AndOverride) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3", CheckpointFormat::BF16);
  write_checkpoint(dir.path(), spec);
  ModelFolder folder(dir.path(), arch::families());
  LoadOptions o = no_cache({.matrices = Format::F16, .others = Format::F32});
  o.format_for = [](const TensorSpec& t) -> std::optional<Format> {
    if (t.name == "model.layers.1.mlp.up_proj.weight") return Format::Q4;
    return std::nullopt;
  };
  WeightLoader loader(folder, o);
  auto loaded = load_all(loader);
  EXPECT_EQ(loaded.at("model.layers.0.mlp.up_proj.weight").info.dtype, DType::F16);
  EXPECT_EQ(loaded.at("model.layers.1.mlp.up_proj.weight").info.dtype, DType::Q4);
  EXPECT_EQ(loaded.at("model.norm.weight").info.dtype, DType::F32);
  // bf16 -> f32 is exact; bf16 -> f16 rounds only where f16 is coarser (subnormals).
  for (const char* n : {"model.norm.weight", "model.layers.2.self_attn.k_norm.weight"})
    EXPECT_EQ(loaded.at(n).values, reference_values(spec, spec_of(spec, n))) << n;
  std::vector<float> up = reference_values(spec, spec_of(spec, "model.layers.0.mlp.up_proj.weight"));
  for (auto& v : up) v = f16_to_f32(f32_to_f16(v));
  EXPECT_EQ(loaded.at("model.layers.0.mlp.up_proj.weight").values, up);
  // Q4 asked for a tensor the rules keep: it gets `others`.
  o.format_for = [](const TensorSpec&) -> std::optional<Format> { return Format::Q4; };
  WeightLoader all_q4(folder, o);
  EXPECT_EQ(all_q4.plan().find("model.norm.weight")->dtype, DType::F32);
  EXPECT_EQ(all_q4.plan().find("model.layers.0.self_attn.q_proj.weight")->dtype, DType::Q4);
  EXPECT_NE(error_text([&] { WeightLoader bad(folder, no_cache({.group_size = 48})); }).find("group size must be 32, 64 or 128"),
            std::string::npos);
}

TEST(Loader, MlxCheckpointRoundTripsExactly) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3_5", CheckpointFormat::Mlx4);
  spec.mlx_overrides["language_model.model.layers.0.mlp.down_proj"] = {8, 64};   // an 8-bit module
  spec.mlx_overrides["language_model.model.layers.1.mlp.down_proj"] = {4, 128};  // another group size
  write_checkpoint(dir.path(), spec);
  ModelFolder folder(dir.path(), arch::families());
  EXPECT_EQ(folder.config().quant.method, QuantMethod::MlxAffine);
  LoadOptions o = no_cache();
  o.selection = Selection::everything();  // MLX has no mtp.*: the config still asks for it
  EXPECT_NE(error_text([&] { WeightLoader l(folder, o); }).find("lacks tensor \"mtp."), std::string::npos);
  o.selection = Selection::with({"vision"});
  const std::string eight_bit = "model.language_model.layers.0.mlp.down_proj.weight";
  {
    // As stored: 4-bit matrices stay Q4 (bit-exact), the 8-bit one is asked for as F32.
    LoadOptions src = o;
    src.matrices = Format::Source;
    src.format_for = [&](const TensorSpec& t) -> std::optional<Format> {
      if (t.name == eight_bit) return Format::F32;
      return std::nullopt;
    };
    WeightLoader loader(folder, src);
    EXPECT_EQ(loader.plan().naming, Naming::Mlx);
    EXPECT_TRUE(loader.plan().mlx_norms_shifted);
    auto loaded = load_all(loader);
    expect_exact(spec, loaded);  // dequantized == MLX's values; norms give back w with 1 + w == stored
    const auto& qkv = loaded.at("model.language_model.layers.0.linear_attn.in_proj_qkv.weight");
    EXPECT_EQ(qkv.info.dtype, DType::Q4);
    EXPECT_EQ(qkv.info.group_size, 64);
    EXPECT_TRUE(qkv.plan.data_direct);  // the packed words are used as they are
    EXPECT_EQ(loaded.at("model.language_model.layers.0.linear_attn.in_proj_a.weight").info.dtype, DType::Q4);
    EXPECT_EQ(loaded.at("model.language_model.layers.1.mlp.down_proj.weight").info.group_size, 128);
    EXPECT_EQ(loaded.at(eight_bit).plan.source_bits, 8);
    EXPECT_EQ(loaded.at("model.language_model.layers.0.linear_attn.conv1d.weight").info.shape,
              (std::vector<int64_t>{512, 1, 4}));
    EXPECT_EQ(loaded.at("model.visual.patch_embed.proj.weight").info.shape, (std::vector<int64_t>{128, 3, 2, 16, 16}));
    EXPECT_EQ(loaded.at("model.language_model.norm.weight").plan.fixup, Fixup::MinusOne);
    EXPECT_EQ(loaded.at("model.language_model.layers.0.linear_attn.norm.weight").plan.fixup, Fixup::None);
  }
  {
    // Asking for Q4 re-quantizes the 8-bit module: within half a step of MLX's values.
    WeightLoader loader(folder, o);
    auto loaded = load_all(loader);
    const Loaded& re = loaded.at(eight_bit);
    EXPECT_EQ(re.info.dtype, DType::Q4);
    EXPECT_EQ(re.info.group_size, 128);
    std::vector<float> ref = reference_values(spec, spec_of(spec, eight_bit));
    for (size_t i = 0; i < ref.size(); ++i) ASSERT_LE(std::fabs(re.values[i] - ref[i]), q4_scale_at(re, i) / 2 + 1e-7f);
    for (const auto& [name, l] : loaded) {
      if (l.plan.encoding == Encoding::MlxAffine && l.plan.source_bits == 4) {
        EXPECT_EQ(l.values, reference_values(spec, spec_of(spec, name))) << name;
      }
    }
  }
  // Dequantized F32 gives the same values.
  WeightLoader f32(folder, no_cache({.matrices = Format::F32, .others = Format::F32}));
  auto loaded32 = load_all(f32);
  for (const auto& [name, l] : loaded32) {
    EXPECT_EQ(l.info.dtype, DType::F32) << name;
    EXPECT_EQ(l.values, reference_values(spec, spec_of(spec, name))) << name;
  }
}

TEST(Loader, MlxLayoutWithUnquantizedMatrices) {
  // An MLX conversion with group 256: only matrices with a 256-multiple input are
  // quantized ("quantized iff X.scales exists"); the rest stay BF16 under MLX names,
  // conv1d layout and shifted norms.
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3_5", CheckpointFormat::Mlx4);
  spec.quant_group = 256;
  write_checkpoint(dir.path(), spec);
  ModelFolder folder(dir.path(), arch::families());
  WeightLoader loader(folder, no_cache({.matrices = Format::Source}));
  EXPECT_TRUE(loader.plan().mlx_norms_shifted);
  size_t quantized = 0;
  for (const auto& t : loader.plan().tensors) {
    bool q = t.spec.shape.size() == 2 && t.spec.shape[1] % 256 == 0 && t.spec.part == "text" &&
             (t.spec.role == TensorRole::Linear || t.spec.role == TensorRole::Embedding);
    EXPECT_EQ(t.encoding, q ? Encoding::MlxAffine : Encoding::Plain) << t.spec.name;
    quantized += q;
  }
  EXPECT_GT(quantized, 0u);
  EXPECT_EQ(loader.plan().find("model.language_model.embed_tokens.weight")->encoding, Encoding::Plain);
  expect_exact(spec, load_all(loader));
}

TEST(Loader, MlxQwen3) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3", CheckpointFormat::Mlx4);
  spec.quant_group = 32;
  write_checkpoint(dir.path(), spec);
  ModelFolder folder(dir.path(), arch::families());
  WeightLoader loader(folder, no_cache());
  auto loaded = load_all(loader);
  expect_exact(spec, loaded);
  EXPECT_FALSE(loader.plan().mlx_norms_shifted);
  EXPECT_EQ(loaded.at("model.embed_tokens.weight").info.group_size, 32);
}

TEST(Loader, GptqRepackRoundTrips) {
  struct Case {
    bool sym, v2;
    int group;
  };
  for (Case c : {Case{true, false, 64}, Case{false, true, 128}, Case{false, false, 64}, Case{true, false, -1}}) {
    SCOPED_TRACE(testing::Message() << "sym " << c.sym << " v2 " << c.v2 << " group " << c.group);
    TempDir dir;
    CheckpointSpec spec = small_spec("tiny-qwen3_5", CheckpointFormat::Gptq4);
    spec.gptq_sym = c.sym;
    spec.gptq_v2 = c.v2;
    spec.quant_group = c.group;
    write_checkpoint(dir.path(), spec);
    ModelFolder folder(dir.path(), arch::families());
    WeightLoader loader(folder, no_cache({.matrices = Format::Source}));
    auto loaded = load_all(loader);
    const auto& up = loaded.at("model.language_model.layers.2.mlp.up_proj.weight");
    EXPECT_EQ(up.plan.encoding, Encoding::Gptq);
    EXPECT_EQ(up.info.dtype, DType::Q4);
    EXPECT_EQ(up.info.group_size, c.group == -1 ? 128 : c.group);
    for (const auto& [name, l] : loaded) {
      std::vector<float> ref = reference_values(spec, spec_of(spec, name));
      if (l.plan.encoding != Encoding::Gptq || c.sym) {
        EXPECT_EQ(l.values, ref) << name;  // symmetric: min = -8 s is exact
        continue;
      }
      // Asymmetric: min = -s z rounded to f16, so within half an f16 step of s z (z <= 16).
      for (size_t i = 0; i < ref.size(); ++i)
        ASSERT_LE(std::fabs(l.values[i] - ref[i]), q4_scale_at(l, i) * 16 / 2048 + 1e-9f) << name << " " << i;
    }
    // F32 requests dequantize with the GPTQ formula itself: exact.
    WeightLoader f32(folder, no_cache({.matrices = Format::F32}));
    for (const auto& [name, l] : load_all(f32)) EXPECT_EQ(l.values, reference_values(spec, spec_of(spec, name))) << name;
  }
}

TEST(Loader, GptqRejectsActOrder) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3", CheckpointFormat::Gptq4);
  write_checkpoint(dir.path(), spec);
  // Rewrite one g_idx into a permuted order.
  auto path = dir / "model.safetensors";
  std::string bytes = read_file(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  auto header = nlohmann::json::parse(bytes.substr(8, n));
  auto offs = header["model.layers.1.mlp.up_proj.g_idx"]["data_offsets"];
  size_t at = 8 + n + offs[0].get<size_t>();
  std::swap(bytes[at], bytes[at + 4 * 70]);  // g_idx[0] <-> g_idx[70]: 0 <-> 1
  write_file(path, bytes);
  ModelFolder folder(dir.path(), arch::families());
  ErrorCode code{};
  std::string msg = error_text([&] { WeightLoader l(folder, no_cache()); }, &code);
  EXPECT_EQ(code, ErrorCode::Unsupported);
  EXPECT_NE(msg.find("\"model.layers.1.mlp.up_proj.weight\" uses GPTQ act-order"), std::string::npos) << msg;
}

TEST(Loader, ShardedAndSelective) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3_5", CheckpointFormat::BF16);
  spec.max_shard_bytes = 200 * 1024;
  write_checkpoint(dir.path(), spec);
  ModelFolder folder(dir.path(), arch::families());
  ASSERT_TRUE(folder.checkpoint().sharded());
  // Find the shards that hold only vision / mtp tensors and replace them with garbage:
  // a text-only load must never open them.
  auto index = nlohmann::json::parse(read_file(dir / "model.safetensors.index.json"));
  std::set<std::string> text_shards, other_shards;
  for (auto& [name, shard] : index["weight_map"].items())
    (folder.config().family->part_of(name) == "text" ? text_shards : other_shards).insert(shard.get<std::string>());
  ASSERT_FALSE(other_shards.empty());
  for (const auto& s : other_shards) {
    ASSERT_EQ(text_shards.count(s), 0u);
    write_file(dir / s, "this is not a safetensors file");
  }
  ModelFolder garbled(dir.path(), arch::families());
  WeightLoader loader(garbled, no_cache({.matrices = Format::Source}));
  auto loaded = load_all(loader);
  expect_exact(spec, loaded);
  for (const auto& s : garbled.checkpoint().opened_files()) EXPECT_EQ(other_shards.count(s), 0u) << s;
  EXPECT_FALSE(loader.plan().skipped.empty());
  for (const auto& s : loader.plan().skipped) EXPECT_NE(garbled.config().family->part_of(s), "text") << s;
  // Asking for the vision tower reads the garbage and says which file is bad.
  LoadOptions with_vision = no_cache();
  with_vision.selection = Selection::with({"vision"});
  ErrorCode code{};
  std::string msg = error_text([&] { WeightLoader l(garbled, with_vision); }, &code);
  EXPECT_EQ(code, ErrorCode::InvalidFile);
  EXPECT_NE(msg.find(*other_shards.begin()), std::string::npos) << msg;
}

TEST(Loader, SelectiveReadingCountsBytes) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3_5", CheckpointFormat::F32);
  write_checkpoint(dir.path(), spec);
  ModelFolder folder(dir.path(), arch::families());
  LoadOptions o = no_cache({.matrices = Format::Source});
  o.selection.prefixes = {"model.language_model.layers.3.", "model.language_model.norm."};
  WeightLoader loader(folder, o);
  auto loaded = load_all(loader);
  for (const auto& [name, l] : loaded)
    EXPECT_TRUE(name.starts_with("model.language_model.layers.3.") || name == "model.language_model.norm.weight") << name;
  EXPECT_EQ(loaded.size(), 12u);  // full-attention layer: 2 norms, 4 projections, 2 qk norms, 3 mlp + final norm
  uint64_t expected = 0;
  for (const auto& t : loader.plan().tensors) expected += t.source_bytes;
  EXPECT_EQ(loader.stats().source_bytes_read, expected);
  EXPECT_LT(expected * 5, folder.checkpoint().total_bytes());
  // Vision and MTP together: their tensors, under HF names.
  LoadOptions all = no_cache({.selection = Selection::everything(), .matrices = Format::Source});
  WeightLoader everything(folder, all);
  auto everything_loaded = load_all(everything);
  expect_exact(spec, everything_loaded);
  EXPECT_TRUE(everything_loaded.count("model.visual.merger.linear_fc2.bias"));
  EXPECT_TRUE(everything_loaded.count("mtp.fc.weight"));
  EXPECT_TRUE(everything.plan().skipped.empty());
  EXPECT_TRUE(everything.plan().unused.empty());
}

TEST(Loader, ValidationErrorsNameTheTensor) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3", CheckpointFormat::BF16);
  write_checkpoint(dir.path(), spec);
  std::string config = read_file(dir / "config.json");
  ErrorCode code{};
  // A layer more than the checkpoint has.
  write_file(dir / "config.json", replace(config, "\"num_hidden_layers\": 4", "\"num_hidden_layers\": 5"));
  std::string msg = error_text([&] { ModelFolder f(dir.path(), arch::families()); WeightLoader l(f, no_cache()); }, &code);
  EXPECT_EQ(code, ErrorCode::NotFound);
  EXPECT_NE(msg.find("lacks tensor \"model.layers.4.input_layernorm.weight\" (rms_norm [128], required by config.json)"),
            std::string::npos) << msg;
  // A different MLP width.
  write_file(dir / "config.json", replace(config, "\"intermediate_size\": 384", "\"intermediate_size\": 512"));
  msg = error_text([&] { ModelFolder f(dir.path(), arch::families()); WeightLoader l(f, no_cache()); }, &code);
  EXPECT_EQ(code, ErrorCode::InvalidFile);
  EXPECT_NE(msg.find("tensor \"model.layers.0.mlp.gate_proj.weight\" has shape [384, 128] but config.json implies [512, 128]"),
            std::string::npos) << msg;
  // Untied without an lm_head.
  write_file(dir / "config.json", replace(config, "\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
  msg = error_text([&] { ModelFolder f(dir.path(), arch::families()); WeightLoader l(f, no_cache()); }, &code);
  EXPECT_NE(msg.find("lacks tensor \"lm_head.weight\""), std::string::npos) << msg;
  // Unsupported dtype.
  write_file(dir / "config.json", config);
  std::vector<RawTensor> tensors;
  ModelFolder ok(dir.path(), arch::families());
  for (const auto& t : ok.config().family->tensors(ok.config(), Selection::core())) {
    std::string dtype = t.name == "model.norm.weight" ? "I64" : "F32";
    size_t n = 1;
    for (auto d : t.shape) n *= static_cast<size_t>(d);
    tensors.push_back({t.name, dtype, t.shape, std::vector<uint8_t>(n * (dtype == "I64" ? 8 : 4), 0)});
  }
  write_safetensors(dir / "model.safetensors", tensors);
  msg = error_text([&] { ModelFolder f(dir.path(), arch::families()); WeightLoader l(f, no_cache()); }, &code);
  EXPECT_EQ(code, ErrorCode::Unsupported);
  EXPECT_NE(msg.find("tensor \"model.norm.weight\" has dtype I64; Vole reads F32, F16 and BF16"), std::string::npos) << msg;
}

TEST(Loader, TiedLmHeadPresentIsUnused) {
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3", CheckpointFormat::BF16);
  set_tied_embeddings(spec, false);
  write_checkpoint(dir.path(), spec);
  {
    ModelFolder folder(dir.path(), arch::families());
    WeightLoader loader(folder, no_cache());
    EXPECT_FALSE(loader.plan().lm_head_tied);
    ASSERT_NE(loader.plan().find("lm_head.weight"), nullptr);
    EXPECT_EQ(loader.plan().find("lm_head.weight")->dtype, DType::Q4);
  }
  // Same weights with tie_word_embeddings: lm_head is reported tied and its tensor unused.
  std::string config = read_file(dir / "config.json");
  write_file(dir / "config.json", replace(config, "\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true"));
  ModelFolder folder(dir.path(), arch::families());
  WeightLoader loader(folder, no_cache());
  EXPECT_TRUE(loader.plan().lm_head_tied);
  EXPECT_EQ(loader.plan().find("lm_head.weight"), nullptr);
  EXPECT_EQ(loader.plan().unused, (std::vector<std::string>{"lm_head.weight"}));
}

TEST(Loader, TextOnlyQwen35NamesAreNormalised) {
  // A Qwen3_5ForCausalLM checkpoint naming its decoder "model.layers...".
  TempDir dir;
  CheckpointSpec spec = small_spec("tiny-qwen3_5", CheckpointFormat::F32);
  spec.config.erase("vision_config");
  spec.mtp = false;
  write_checkpoint(dir.path(), spec);
  std::vector<RawTensor> renamed;
  {
    ModelFolder original(dir.path(), arch::families());
    WeightLoader reader(original, no_cache({.matrices = Format::Source}));
    reader.load([&](const HostTensor& t, const PlannedTensor&) {
      std::string name = t.name;
      name.replace(0, std::string("model.language_model.").size(), "model.");
      renamed.push_back({name, "F32", t.shape, std::vector<uint8_t>(t.data.begin(), t.data.end())});
    });
  }
  write_safetensors(dir / "model.safetensors", renamed);
  ModelFolder folder(dir.path(), arch::families());
  WeightLoader loader(folder, no_cache({.matrices = Format::Source}));
  expect_exact(spec, load_all(loader));
}
