// The tensor lists the families declare, against docs/specs/qwen3_5.md §2 (real 0.8B
// shapes) and the Qwen2 / Qwen3 layouts; checkpoint-layout names; the quantization
// rule tables.
#include <gtest/gtest.h>

#include <map>

#include "arch/families.h"
#include "model/checkpoint_map.h"
#include "model/quant_rules.h"
#include "model/tensor_specs.h"
#include "support/checkpoint_writer.h"

using namespace vole;
using namespace vole::model;

namespace {
std::map<std::string, TensorSpec> by_name(const std::vector<TensorSpec>& v) {
  std::map<std::string, TensorSpec> m;
  for (const auto& t : v) EXPECT_TRUE(m.emplace(t.name, t).second) << "duplicate " << t.name;
  return m;
}
using Shape = std::vector<int64_t>;

std::vector<TensorSpec> expected_tensors(const ModelConfig& c, const Selection& s = Selection::core()) {
  return c.family->tensors(c, s);
}
const Family& family(const char* name) { return *arch::families().find(name); }
}  // namespace

TEST(TensorSpecs, Qwen35Real08BShapesMatchTheSpec) {
  ModelConfig c = test::parsed_config(test::checkpoint_preset("qwen3_5-0.8b"));
  auto text = by_name(expected_tensors(c));
  const std::string p = "model.language_model.";
  EXPECT_EQ(text.at(p + "embed_tokens.weight").shape, (Shape{248320, 1024}));
  EXPECT_EQ(text.at(p + "norm.weight").shape, (Shape{1024}));
  EXPECT_EQ(text.count("lm_head.weight"), 0u);  // tied
  EXPECT_EQ(text.at(p + "layers.0.mlp.gate_proj.weight").shape, (Shape{3584, 1024}));
  EXPECT_EQ(text.at(p + "layers.0.mlp.down_proj.weight").shape, (Shape{1024, 3584}));
  EXPECT_EQ(text.at(p + "layers.3.self_attn.q_proj.weight").shape, (Shape{4096, 1024}));
  EXPECT_EQ(text.at(p + "layers.3.self_attn.k_proj.weight").shape, (Shape{512, 1024}));
  EXPECT_EQ(text.at(p + "layers.3.self_attn.o_proj.weight").shape, (Shape{1024, 2048}));
  EXPECT_EQ(text.at(p + "layers.3.self_attn.q_norm.weight").shape, (Shape{256}));
  EXPECT_EQ(text.at(p + "layers.3.self_attn.q_norm.weight").role, TensorRole::RmsNormZeroCentred);
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.in_proj_qkv.weight").shape, (Shape{6144, 1024}));
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.in_proj_z.weight").shape, (Shape{2048, 1024}));
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.in_proj_b.weight").shape, (Shape{16, 1024}));
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.in_proj_a.weight").shape, (Shape{16, 1024}));
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.conv1d.weight").shape, (Shape{6144, 1, 4}));
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.A_log").shape, (Shape{16}));
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.dt_bias").shape, (Shape{16}));
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.norm.weight").shape, (Shape{128}));
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.norm.weight").role, TensorRole::GatedRmsNorm);
  EXPECT_EQ(text.at(p + "layers.0.linear_attn.out_proj.weight").shape, (Shape{1024, 2048}));
  EXPECT_EQ(text.count(p + "layers.3.linear_attn.A_log"), 0u);
  EXPECT_EQ(text.count(p + "layers.0.self_attn.q_proj.weight"), 0u);
  // 3 model-level + 18 GDN layers x 14 + 6 attention layers x 11.
  EXPECT_EQ(text.size(), 2u + 18 * 14 + 6 * 11);
  EXPECT_EQ(text.at(p + "layers.7.self_attn.v_proj.weight").layer, 7);

  auto all = by_name(expected_tensors(c, Selection::everything()));
  EXPECT_EQ(all.at("model.visual.patch_embed.proj.weight").shape, (Shape{768, 3, 2, 16, 16}));
  EXPECT_EQ(all.at("model.visual.pos_embed.weight").shape, (Shape{2304, 768}));
  EXPECT_EQ(all.at("model.visual.blocks.11.attn.qkv.weight").shape, (Shape{2304, 768}));
  EXPECT_EQ(all.at("model.visual.blocks.0.mlp.linear_fc1.weight").shape, (Shape{3072, 768}));
  EXPECT_EQ(all.at("model.visual.merger.linear_fc1.weight").shape, (Shape{3072, 3072}));
  EXPECT_EQ(all.at("model.visual.merger.linear_fc2.weight").shape, (Shape{1024, 3072}));
  EXPECT_EQ(all.at("mtp.fc.weight").shape, (Shape{1024, 2048}));
  EXPECT_EQ(all.at("mtp.layers.0.self_attn.q_proj.weight").shape, (Shape{4096, 1024}));
  EXPECT_EQ(all.at("mtp.norm.weight").part, "mtp");
  EXPECT_EQ(all.at("model.visual.merger.norm.bias").part, "vision");
  EXPECT_EQ(c.family->part_of("model.visual.merger.norm.bias"), "vision");
  EXPECT_EQ(c.family->part_of("mtp.norm.weight"), "mtp");
  EXPECT_EQ(c.family->part_of("lm_head.weight"), "text");
}

TEST(TensorSpecs, Qwen3Layout) {
  test::CheckpointSpec spec = test::checkpoint_preset("tiny-qwen3");
  spec.config["tie_word_embeddings"] = false;
  spec.config["attention_bias"] = true;
  auto t = by_name(expected_tensors(test::parsed_config(spec), Selection::everything()));
  EXPECT_EQ(t.at("model.embed_tokens.weight").shape, (Shape{151936, 128}));
  EXPECT_EQ(t.at("model.layers.0.self_attn.q_proj.weight").shape, (Shape{256, 128}));  // 4 heads x 64, no gate
  EXPECT_EQ(t.at("model.layers.0.self_attn.o_proj.weight").shape, (Shape{128, 256}));
  EXPECT_EQ(t.at("model.layers.0.self_attn.q_proj.bias").shape, (Shape{256}));
  EXPECT_EQ(t.at("model.layers.0.self_attn.o_proj.bias").shape, (Shape{128}));
  EXPECT_EQ(t.at("model.layers.0.self_attn.k_norm.weight").role, TensorRole::RmsNorm);
  EXPECT_EQ(t.at("lm_head.weight").role, TensorRole::LmHead);
  EXPECT_EQ(t.size(), 2u + 1 + 4 * 15);
}

TEST(TensorSpecs, Qwen2Layout) {
  auto t = by_name(expected_tensors(test::parsed_config(test::checkpoint_preset("tiny-qwen2"))));
  EXPECT_EQ(t.at("model.layers.0.self_attn.q_proj.weight").shape, (Shape{256, 256}));  // head_dim = hidden / heads
  EXPECT_EQ(t.at("model.layers.0.self_attn.q_proj.bias").shape, (Shape{256}));
  EXPECT_EQ(t.at("model.layers.0.self_attn.k_proj.bias").shape, (Shape{128}));
  EXPECT_EQ(t.at("model.layers.0.self_attn.v_proj.bias").shape, (Shape{128}));
  EXPECT_EQ(t.count("model.layers.0.self_attn.o_proj.bias"), 0u);  // Qwen2: no bias on o_proj
  EXPECT_EQ(t.count("model.layers.0.self_attn.q_norm.weight"), 0u);
  EXPECT_EQ(t.size(), 2u + 4 * 12);  // per layer: 2 norms, q/k/v weight + bias, o weight, 3 MLP
}

TEST(TensorSpecs, SelectionAndNames) {
  const Family& q35 = family("qwen3_5");
  std::vector<TensorPart> parts = q35.parts();
  ASSERT_EQ(parts.size(), 3u);
  Selection s;
  EXPECT_TRUE(s.wants_part(parts[0]));   // text: the core part
  EXPECT_FALSE(s.wants_part(parts[1]));  // vision
  EXPECT_FALSE(s.wants_part(parts[2]));  // mtp
  EXPECT_TRUE(Selection::with({"vision"}).wants_part(parts[1]));
  EXPECT_TRUE(Selection::everything().wants_part(parts[2]));
  s.prefixes = {"lm_head."};
  EXPECT_FALSE(s.wants_name("model.language_model.norm.weight"));
  EXPECT_TRUE(s.wants_name("lm_head.weight"));
  // MLX layouts and text-only Qwen3.5 checkpoints (names as stored -> canonical).
  EXPECT_EQ(q35.part_of_stored("vision_tower.blocks.0.norm1.weight"), "vision");
  EXPECT_EQ(q35.part_of_stored("language_model.model.layers.1.mlp.up_proj.scales"), "text");
  EXPECT_EQ(family("qwen3").part_of_stored("model.visual.x"), "text");  // no vision part: everything is core
}

TEST(QuantRules, Table) {
  auto decide = [](const Family& f, const std::string& name, Shape shape) {
    return should_quantize(f.quant_rules(), TensorSpec{name, shape, TensorRole::Linear, f.part_of(name), 0}, 128);
  };
  const Family& Q = family("qwen3_5");
  const std::string p = "model.language_model.layers.0.";
  EXPECT_TRUE(decide(Q, "model.language_model.embed_tokens.weight", {248320, 1024}));
  EXPECT_TRUE(decide(Q, "lm_head.weight", {248320, 1024}));
  EXPECT_TRUE(decide(Q, p + "linear_attn.in_proj_qkv.weight", {6144, 1024}));
  EXPECT_TRUE(decide(Q, p + "linear_attn.out_proj.weight", {1024, 2048}));
  EXPECT_TRUE(decide(Q, p + "self_attn.q_proj.weight", {4096, 1024}));
  EXPECT_TRUE(decide(Q, p + "mlp.down_proj.weight", {1024, 3584}));
  EXPECT_TRUE(decide(Q, "mtp.fc.weight", {1024, 2048}));
  EXPECT_TRUE(decide(Q, "model.visual.blocks.0.attn.qkv.weight", {2304, 768}));
  EXPECT_TRUE(decide(Q, "model.visual.blocks.0.attn.proj.weight", {768, 768}));
  EXPECT_TRUE(decide(Q, "model.visual.merger.linear_fc2.weight", {1024, 3072}));
  EXPECT_FALSE(decide(Q, p + "linear_attn.in_proj_a.weight", {16, 1024}));
  EXPECT_FALSE(decide(Q, p + "linear_attn.in_proj_b.weight", {16, 1024}));
  EXPECT_FALSE(decide(Q, p + "linear_attn.conv1d.weight", {6144, 1, 4}));
  EXPECT_FALSE(decide(Q, p + "linear_attn.A_log", {16}));
  EXPECT_FALSE(decide(Q, p + "linear_attn.dt_bias", {16}));
  EXPECT_FALSE(decide(Q, p + "linear_attn.norm.weight", {128}));
  EXPECT_FALSE(decide(Q, p + "input_layernorm.weight", {1024}));
  EXPECT_FALSE(decide(Q, "mtp.pre_fc_norm_hidden.weight", {1024}));
  EXPECT_FALSE(decide(Q, "model.visual.patch_embed.proj.weight", {768, 3, 2, 16, 16}));
  EXPECT_FALSE(decide(Q, "model.visual.pos_embed.weight", {2304, 768}));
  EXPECT_FALSE(decide(Q, "model.visual.blocks.0.attn.qkv.bias", {2304}));
  // Input dimension not a multiple of the group: kept.
  std::string why;
  EXPECT_FALSE(should_quantize(Q.quant_rules(), TensorSpec{p + "mlp.up_proj.weight", {384, 100}, TensorRole::Linear},
                               128, &why));
  EXPECT_NE(why.find("not a multiple of 128"), std::string::npos) << why;
  EXPECT_TRUE(decide(family("qwen3"), "model.layers.3.self_attn.k_proj.weight", {1024, 1024}));
  EXPECT_FALSE(decide(family("qwen3"), "model.layers.3.self_attn.k_norm.weight", {128}));
  EXPECT_TRUE(glob_match("a*b*c", "a__b__c"));
  EXPECT_FALSE(glob_match("a*b*c", "a__b__"));
  EXPECT_TRUE(glob_match("*", ""));
}
