// LFM2's config.json as the released checkpoints write it (docs/specs/lfm2.md §1): the
// derived MLP width, both layer-type spellings, Liquid's keys winning, and the
// refusals; the YAML reader NeMo archives need (model_config.yaml).
#include <gtest/gtest.h>

#include <map>

#include "arch/families.h"
#include "arch/lfm2/lfm2.h"
#include "model/config.h"
#include "model/yaml_json.h"
#include "util/error.h"

using namespace vole;

namespace {

// LFM2-350M's config.json keys (Liquid's spelling beside transformers').
const char* kLfm2_350m = R"({
  "architectures": ["Lfm2ForCausalLM"], "model_type": "lfm2", "vocab_size": 65536,
  "hidden_size": 1024, "block_dim": 1024, "block_ff_dim": 6656, "intermediate_size": 6656,
  "block_auto_adjust_ff_dim": true, "block_ffn_dim_multiplier": 1.0, "block_multiple_of": 256,
  "num_hidden_layers": 16, "num_attention_heads": 16, "num_heads": 16, "num_key_value_heads": 8,
  "full_attn_idxs": [2, 5, 8, 10, 12, 14], "conv_L_cache": 3, "conv_bias": false,
  "norm_eps": 1e-05, "rope_theta": 1000000.0, "max_position_embeddings": 128000,
  "tie_embedding": true, "bos_token_id": 1, "eos_token_id": 7, "pad_token_id": 0})";

const arch::Lfm2Config& lfm2(const model::ModelConfig& c) { return c.as<arch::Lfm2Config>(); }

model::ModelConfig parse(const std::string& text) {
  return model::parse_model_config(text, "config.json", arch::families());
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

void expect_error(const std::string& text, ErrorCode code, const std::string& part) {
  try {
    parse(text);
    ADD_FAILURE() << "parsed: " << part;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(Lfm2Config, ReleasedSizes) {
  auto c = parse(kLfm2_350m);
  EXPECT_EQ(c.family->name(), "lfm2");
  const auto& l = lfm2(c);
  EXPECT_EQ(l.text.intermediate_size, 4608);  // 6656 -> 4437 -> 4608
  EXPECT_EQ(l.text.head_dim, 64);
  EXPECT_EQ(l.text.num_key_value_heads, 8);
  EXPECT_FLOAT_EQ(static_cast<float>(l.text.rms_norm_eps), 1e-5f);
  EXPECT_TRUE(l.text.tie_word_embeddings);
  EXPECT_EQ(l.conv_kernel, 3);
  std::vector<bool> want(16, false);
  for (int i : {2, 5, 8, 10, 12, 14}) want[static_cast<size_t>(i)] = true;
  EXPECT_EQ(l.attention_layers, want);
  EXPECT_EQ(l.eos_token_ids, std::vector<int64_t>{7});
  // 700M and 1.2B widths, and 2.6B's unadjusted one.
  EXPECT_EQ(arch::lfm2_ff_dim(10240, true, 1.0, 256), 6912);
  EXPECT_EQ(arch::lfm2_ff_dim(12288, true, 1.0, 256), 8192);
  EXPECT_EQ(arch::lfm2_ff_dim(10752, false, 1.0, 256), 10752);
  EXPECT_EQ(arch::lfm2_ff_dim(6656, true, std::nullopt, 256), 4437);  // null multiplier: no rounding
  EXPECT_EQ(lfm2(parse(with(kLfm2_350m, R"("block_ffn_dim_multiplier": 1.0)", R"("block_ffn_dim_multiplier": null)")))
                .text.intermediate_size,
            4437);
}

TEST(Lfm2Config, LayerTypesAndLiquidKeys) {
  std::string text = with(kLfm2_350m, R"("full_attn_idxs": [2, 5, 8, 10, 12, 14],)", "");
  text = with(text, R"("num_hidden_layers": 16)",
              R"("num_hidden_layers": 3, "layer_types": ["conv", "full_attention", "conv"])");
  EXPECT_EQ(lfm2(parse(text)).attention_layers, (std::vector<bool>{false, true, false}));
  // tie_embedding (Liquid) wins over tie_word_embeddings.
  EXPECT_FALSE(lfm2(parse(with(kLfm2_350m, R"("tie_embedding": true)",
                               R"("tie_embedding": false, "tie_word_embeddings": true)")))
                   .text.tie_word_embeddings);
  // Without either list every layer is attention (transformers' default).
  auto all = lfm2(parse(with(kLfm2_350m, R"("full_attn_idxs": [2, 5, 8, 10, 12, 14],)", ""))).attention_layers;
  EXPECT_EQ(all, std::vector<bool>(16, true));
}

TEST(Lfm2Config, RefusesWhatItCannotRun) {
  expect_error(with(kLfm2_350m, R"("num_hidden_layers": 16)", R"("num_hidden_layers": 2, "layer_types": ["conv"])"),
               ErrorCode::InvalidFile, "layer_types");
  expect_error(
      with(kLfm2_350m, R"("num_hidden_layers": 16)", R"("num_hidden_layers": 2, "layer_types": ["conv", "mamba"])"),
      ErrorCode::InvalidFile, "mamba");
  expect_error(with(kLfm2_350m, R"("full_attn_idxs": [2, 5, 8, 10, 12, 14])", R"("full_attn_idxs": [2, 16])"),
               ErrorCode::InvalidFile, "full_attn_idxs");
  expect_error(with(kLfm2_350m, R"("conv_L_cache": 3)", R"("conv_L_cache": 1)"), ErrorCode::InvalidFile,
               "conv_L_cache");
  expect_error(with(kLfm2_350m, R"("num_key_value_heads": 8)", R"("num_key_value_heads": 5)"), ErrorCode::InvalidFile,
               "num_key_value_heads");
  expect_error(with(kLfm2_350m, R"("rope_theta": 1000000.0)",
                    R"("rope_theta": 1000000.0, "rope_scaling": {"rope_type": "yarn", "factor": 4.0})"),
               ErrorCode::Unsupported, "yarn");
  expect_error(with(kLfm2_350m, R"("conv_bias": false)", R"("conv_bias": false, "audio_step": 0.3333)"),
               ErrorCode::InvalidFile, "audio_step");
  expect_error(with(kLfm2_350m, R"("conv_bias": false)", R"("conv_bias": false, "audio_step": 0)"),
               ErrorCode::InvalidFile, "audio_step");
  expect_error(with(kLfm2_350m, R"("conv_bias": false)", R"("conv_bias": false, "speaker_emb_dim": 0)"),
               ErrorCode::InvalidFile, "speaker_emb_dim");
}

// Kani-TTS-2's keys (kani-tts.md §5): the fields, the position units a fractional
// audio_step needs, and the extra tensors (a scalar per attention layer, the speaker
// projection). Plain LFM2 has none of them.
TEST(Lfm2Config, KaniTts2Fields) {
  EXPECT_FALSE(lfm2(parse(kLfm2_350m)).kani2.has_value());
  const std::string k2 = with(kLfm2_350m, R"("conv_bias": false)",
                              R"("conv_bias": false, "use_learnable_rope": true, "alpha_min": 0.2, "alpha_max": 1.5,
                                 "audio_step": 0.25, "speaker_emb_dim": 128, "audio_tokens_start": 64410)");
  auto c = parse(k2);
  ASSERT_TRUE(lfm2(c).kani2.has_value());
  const arch::KaniTts2Fields& k = *lfm2(c).kani2;
  EXPECT_TRUE(k.learnable_rope);
  EXPECT_DOUBLE_EQ(k.alpha_min, 0.2);
  EXPECT_DOUBLE_EQ(k.alpha_max, 1.5);
  EXPECT_EQ(k.position_units, 4);
  EXPECT_EQ(k.frame_step(), 1);
  EXPECT_EQ(k.tokens_per_frame, 4);
  EXPECT_EQ(lfm2(parse(with(k2, R"("audio_step": 0.25)", R"("audio_step": 1.5)"))).kani2->position_units, 2);
  EXPECT_EQ(lfm2(parse(with(k2, R"("audio_step": 0.25)", R"("audio_step": 1.5)"))).kani2->frame_step(), 3);
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& t : c.family->tensors(c, model::Selection::core())) shapes[t.name] = t.shape;
  EXPECT_EQ(shapes.at("model.speaker_emb_projection.weight"), (std::vector<int64_t>{1024, 128}));
  for (int l : {2, 5, 8, 10, 12, 14})
    EXPECT_EQ(shapes.at("model.learnable_rope_layers." + std::to_string(l) + ".alpha_weight"), std::vector<int64_t>{});
  EXPECT_FALSE(shapes.count("model.learnable_rope_layers.0.alpha_weight"));  // a conv layer
  // Without learnable RoPE there are no scale weights, but the speaker projection stays.
  auto plain_rope = parse(with(k2, R"("use_learnable_rope": true)", R"("use_learnable_rope": false)"));
  shapes.clear();
  for (const auto& t : plain_rope.family->tensors(plain_rope, model::Selection::core())) shapes[t.name] = t.shape;
  EXPECT_FALSE(shapes.count("model.learnable_rope_layers.2.alpha_weight"));
  EXPECT_TRUE(shapes.count("model.speaker_emb_projection.weight"));
}

TEST(Lfm2Config, DeclaresTheSpecTensors) {
  std::string text = with(kLfm2_350m, R"("full_attn_idxs": [2, 5, 8, 10, 12, 14],)", "");
  text =
      with(text, R"("num_hidden_layers": 16)", R"("num_hidden_layers": 2, "layer_types": ["conv", "full_attention"])");
  auto c = parse(text);
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& t : c.family->tensors(c, model::Selection::core())) shapes[t.name] = t.shape;
  EXPECT_EQ(shapes.size(), 1 + 1 + 2 * 5 + 3 + 6);  // embed, final norm, per layer norms+mlp, conv, attention
  EXPECT_EQ(shapes.at("model.layers.0.conv.in_proj.weight"), (std::vector<int64_t>{3072, 1024}));
  EXPECT_EQ(shapes.at("model.layers.0.conv.conv.weight"), (std::vector<int64_t>{1024, 1, 3}));
  EXPECT_EQ(shapes.at("model.layers.0.feed_forward.w1.weight"), (std::vector<int64_t>{4608, 1024}));
  EXPECT_EQ(shapes.at("model.layers.1.self_attn.out_proj.weight"), (std::vector<int64_t>{1024, 1024}));
  EXPECT_EQ(shapes.at("model.layers.1.self_attn.k_proj.weight"), (std::vector<int64_t>{512, 1024}));
  EXPECT_EQ(shapes.at("model.layers.1.self_attn.q_layernorm.weight"), (std::vector<int64_t>{64}));
  EXPECT_TRUE(shapes.count("model.embedding_norm.weight"));
  EXPECT_FALSE(shapes.count("lm_head.weight"));
  EXPECT_FALSE(shapes.count("model.layers.1.conv.in_proj.weight"));
}

TEST(YamlJson, BlockAndFlowStyleScalarsAndRefusals) {
  auto j = model::parse_yaml(
      "sample_rate: 22050\nname: nano\nratio: 0.5\nflag: true\nnothing: null\nquoted: '12'\n"
      "audio_decoder:\n  up_sample_rates:\n  - 7\n  - 2\n  kernels: [3, 7]\n",
      "test.yaml");
  EXPECT_EQ(j["sample_rate"], 22050);
  EXPECT_EQ(j["name"], "nano");
  EXPECT_DOUBLE_EQ(j["ratio"].get<double>(), 0.5);
  EXPECT_EQ(j["flag"], true);
  EXPECT_TRUE(j["nothing"].is_null());
  EXPECT_EQ(j["quoted"], "12");
  EXPECT_EQ(j["audio_decoder"]["up_sample_rates"], (model::json{7, 2}));
  EXPECT_EQ(j["audio_decoder"]["kernels"], (model::json{3, 7}));
  for (const char* bad : {"a: [1, 2\n", "a: &x [1]\nb: *x\n", "a: 1\na: 2\n", "a: 1\n---\nb: 2\n"})
    EXPECT_THROW(model::parse_yaml(bad, "bad.yaml"), Error) << bad;
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  EXPECT_THROW(model::parse_yaml(deep, "deep.yaml"), Error);
}

}  // namespace
