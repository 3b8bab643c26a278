// config.json / generation_config.json parsing: every supported variant and the
// error for each kind of bad input.
#include <gtest/gtest.h>

#include "arch/common/dense_family.h"
#include "arch/families.h"
#include "arch/qwen3_5/qwen3_5.h"
#include "model/config.h"
#include "util/error.h"

using namespace vole;
using namespace vole::model;
using vole::arch::DenseConfig;
using vole::arch::Qwen3_5Config;
using vole::arch::Qwen3_5Layer;

namespace {

// Qwen/Qwen3.5-0.8B's config.json as transcribed in docs/specs/qwen3_5.md §1.
const char* kQwen35 = R"({
  "architectures": ["Qwen3_5ForConditionalGeneration"], "model_type": "qwen3_5",
  "image_token_id": 248056, "video_token_id": 248057, "vision_start_token_id": 248053, "vision_end_token_id": 248054,
  "tie_word_embeddings": true,
  "text_config": {
    "model_type": "qwen3_5_text", "vocab_size": 248320, "hidden_size": 1024, "intermediate_size": 3584,
    "num_hidden_layers": 24, "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 256,
    "hidden_act": "silu", "rms_norm_eps": 1e-06, "attention_bias": false, "max_position_embeddings": 262144,
    "linear_conv_kernel_dim": 4, "linear_key_head_dim": 128, "linear_value_head_dim": 128,
    "linear_num_key_heads": 16, "linear_num_value_heads": 16, "full_attention_interval": 4,
    "layer_types": ["linear_attention","linear_attention","linear_attention","full_attention",
                    "linear_attention","linear_attention","linear_attention","full_attention",
                    "linear_attention","linear_attention","linear_attention","full_attention",
                    "linear_attention","linear_attention","linear_attention","full_attention",
                    "linear_attention","linear_attention","linear_attention","full_attention",
                    "linear_attention","linear_attention","linear_attention","full_attention"],
    "rope_parameters": {"rope_type": "default", "rope_theta": 10000000, "partial_rotary_factor": 0.25,
                        "mrope_section": [11, 11, 10], "mrope_interleaved": true},
    "tie_word_embeddings": true, "bos_token_id": 248044, "eos_token_id": 248044, "pad_token_id": null,
    "attn_output_gate": true, "output_gate_type": "swish", "mamba_ssm_dtype": "float32",
    "mtp_num_hidden_layers": 1, "mtp_use_dedicated_embeddings": false, "dtype": "bfloat16"
  },
  "vision_config": {
    "model_type": "qwen3_5_vision", "depth": 12, "hidden_size": 768, "num_heads": 12, "intermediate_size": 3072,
    "hidden_act": "gelu_pytorch_tanh", "in_channels": 3, "patch_size": 16, "temporal_patch_size": 2,
    "spatial_merge_size": 2, "out_hidden_size": 1024, "num_position_embeddings": 2304, "deepstack_visual_indexes": []
  }
})";

// Qwen/Qwen3-0.6B's config.json (seeds/research-qwen36-gemma4-targets.md).
const char* kQwen3 = R"({
  "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "attention_bias": false, "bos_token_id": 151643,
  "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024, "intermediate_size": 3072,
  "max_position_embeddings": 40960, "max_window_layers": 28, "num_attention_heads": 16, "num_hidden_layers": 28,
  "num_key_value_heads": 8, "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000,
  "sliding_window": null, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
  "use_sliding_window": false, "vocab_size": 151936
})";

ModelConfig parse(const std::string& text) { return parse_model_config(text, "config.json", arch::families()); }
const arch::Qwen3_5TextConfig& qwen3_5_text(const ModelConfig& c) { return c.as<Qwen3_5Config>().text; }
const arch::DecoderConfig& dense_text(const ModelConfig& c) { return c.as<DenseConfig>().text; }

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// Parses and expects a vole::Error with `code` and `needle` in its message.
void expect_error(const std::string& text, ErrorCode code, const std::string& needle) {
  try {
    parse(text);
    FAIL() << "expected an error containing: " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Config, Qwen35Real08B) {
  ModelConfig c = parse(kQwen35);
  EXPECT_EQ(c.family->name(), "qwen3_5");
  EXPECT_EQ(c.architecture, "Qwen3_5ForConditionalGeneration");
  const auto& t = qwen3_5_text(c);
  EXPECT_EQ(t.vocab_size, 248320);
  EXPECT_EQ(t.hidden_size, 1024);
  EXPECT_EQ(t.intermediate_size, 3584);
  EXPECT_EQ(t.num_hidden_layers, 24);
  EXPECT_EQ(t.num_attention_heads, 8);
  EXPECT_EQ(t.num_key_value_heads, 2);
  EXPECT_EQ(t.head_dim, 256);
  EXPECT_DOUBLE_EQ(t.rms_norm_eps, 1e-6);
  EXPECT_EQ(t.max_position_embeddings, 262144);
  EXPECT_EQ(t.linear_conv_kernel_dim, 4);
  EXPECT_EQ(t.linear_num_value_heads, 16);
  EXPECT_EQ(t.linear_conv_dim(), 6144);
  EXPECT_EQ(t.rotary_dim(), 64);
  EXPECT_DOUBLE_EQ(t.rope.rope_theta, 1e7);
  EXPECT_EQ(t.rope.mrope_section, (std::vector<int64_t>{11, 11, 10}));
  EXPECT_TRUE(t.rope.mrope_interleaved);
  EXPECT_TRUE(t.tie_word_embeddings);
  EXPECT_EQ(t.num_full_attention_layers(), 6);
  EXPECT_EQ(t.layer_types[3], Qwen3_5Layer::FullAttention);
  EXPECT_EQ(t.layer_types[4], Qwen3_5Layer::LinearAttention);
  EXPECT_EQ(t.mtp_num_hidden_layers, 1);
  EXPECT_EQ(t.mamba_ssm_dtype, "float32");
  EXPECT_EQ(t.eos_token_ids, (std::vector<int64_t>{248044}));
  EXPECT_FALSE(t.pad_token_id.has_value());
  const auto& q = c.as<Qwen3_5Config>();
  ASSERT_TRUE(q.vision);
  EXPECT_EQ(q.vision->depth, 12);
  EXPECT_EQ(q.vision->out_hidden_size, 1024);
  EXPECT_EQ(q.vision->num_position_embeddings, 2304);
  EXPECT_EQ(*q.image_token_id, 248056);
  EXPECT_EQ(c.quant.method, QuantMethod::None);
}

TEST(Config, Qwen35DerivesLayerTypesFromInterval) {
  std::string s = kQwen35;
  auto a = s.find("\"layer_types\"");
  auto b = s.find("],", a);
  s.erase(a, b + 2 - a);
  ModelConfig c = parse(s);
  ASSERT_EQ(qwen3_5_text(c).layer_types.size(), 24u);
  for (int i = 0; i < 24; ++i)
    EXPECT_EQ(qwen3_5_text(c).layer_types[i],
              (i + 1) % 4 == 0 ? Qwen3_5Layer::FullAttention : Qwen3_5Layer::LinearAttention)
        << i;
}

TEST(Config, Qwen35OlderRopeFields) {
  std::string s =
      replace(kQwen35,
              R"("rope_parameters": {"rope_type": "default", "rope_theta": 10000000, "partial_rotary_factor": 0.25,
                        "mrope_section": [11, 11, 10], "mrope_interleaved": true},)",
              R"("rope_theta": 5000000, "partial_rotary_factor": 0.25,
                             "rope_scaling": {"type": "mrope", "mrope_section": [11, 11, 10], "mrope_interleaved": true},)");
  ModelConfig c = parse(s);
  EXPECT_DOUBLE_EQ(qwen3_5_text(c).rope.rope_theta, 5e6);
  EXPECT_EQ(qwen3_5_text(c).rope.rope_type, "mrope");
  EXPECT_EQ(qwen3_5_text(c).rope.mrope_section, (std::vector<int64_t>{11, 11, 10}));
  EXPECT_EQ(qwen3_5_text(c).rotary_dim(), 64);
}

TEST(Config, Qwen35TextOnlyFlatConfig) {
  ModelConfig c = parse(R"({"architectures": ["Qwen3_5ForCausalLM"], "model_type": "qwen3_5_text",
      "vocab_size": 1000, "hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 4,
      "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 64, "linear_num_key_heads": 2,
      "linear_num_value_heads": 4, "linear_key_head_dim": 32, "linear_value_head_dim": 32,
      "rope_parameters": {"rope_theta": 1e7, "partial_rotary_factor": 0.5, "mrope_section": [6, 5, 5]}})");
  EXPECT_EQ(c.family->name(), "qwen3_5");
  EXPECT_FALSE(c.as<Qwen3_5Config>().vision);
  EXPECT_EQ(qwen3_5_text(c).linear_conv_dim(), 2 * 64 + 128);
  EXPECT_EQ(qwen3_5_text(c).rotary_dim(), 32);
  EXPECT_EQ(qwen3_5_text(c).linear_conv_kernel_dim, 4);  // class default
  EXPECT_FALSE(qwen3_5_text(c).tie_word_embeddings);
}

TEST(Config, Qwen3RealAndDefaults) {
  ModelConfig c = parse(kQwen3);
  EXPECT_EQ(c.family->name(), "qwen3");
  EXPECT_EQ(dense_text(c).head_dim, 128);
  EXPECT_EQ(dense_text(c).num_key_value_heads, 8);
  EXPECT_DOUBLE_EQ(dense_text(c).rope.rope_theta, 1e6);
  EXPECT_EQ(dense_text(c).rotary_dim(), 128);
  EXPECT_TRUE(dense_text(c).tie_word_embeddings);
  EXPECT_EQ(dense_text(c).max_position_embeddings, 40960);
  EXPECT_EQ(dense_text(c).bos_token_id, 151643);
  // head_dim and num_key_value_heads default to hidden/heads and heads.
  std::string s = replace(replace(kQwen3, R"("head_dim": 128,)", ""), R"("num_key_value_heads": 8,)", "");
  ModelConfig d = parse(s);
  EXPECT_EQ(dense_text(d).head_dim, 64);
  EXPECT_EQ(dense_text(d).num_key_value_heads, 16);
  // transformers v5 writes rope_parameters.
  ModelConfig e = parse(replace(kQwen3, R"("rope_theta": 1000000,)",
                                R"("rope_parameters": {"rope_type": "default", "rope_theta": 2000000},)"));
  EXPECT_DOUBLE_EQ(dense_text(e).rope.rope_theta, 2e6);
  ModelConfig y = parse(
      replace(kQwen3, R"("rope_scaling": null)",
              R"("rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768})"));
  EXPECT_EQ(dense_text(y).rope.rope_type, "yarn");
  EXPECT_DOUBLE_EQ(dense_text(y).rope.factor, 4.0);
  EXPECT_EQ(dense_text(y).rope.original_max_position_embeddings, 32768);
}

TEST(Config, Errors) {
  expect_error(R"({"model_type": "llama", "architectures": ["LlamaForCausalLM"]})", ErrorCode::Unsupported,
               "unsupported model (model_type \"llama\", architecture \"LlamaForCausalLM\"); Vole supports qwen3_5");
  expect_error(R"({"architectures": ["Qwen3_5MoeForConditionalGeneration"]})", ErrorCode::Unsupported,
               "Qwen3ForCausalLM");
  expect_error(R"({"hidden_size": 3})", ErrorCode::InvalidFile, "has neither model_type nor architectures");
  expect_error(R"({"model_type": "qwen3", "architectures": ["Qwen3_5ForCausalLM"]})", ErrorCode::Unsupported,
               "unsupported model");
  expect_error(replace(kQwen3, R"("hidden_size": 1024,)", ""), ErrorCode::InvalidFile,
               "missing required field 'hidden_size'");
  expect_error(replace(kQwen3, R"("vocab_size": 151936)", R"("vocab_size": "big")"), ErrorCode::InvalidFile,
               "field 'vocab_size' must be an integer");
  expect_error(replace(kQwen3, R"("num_key_value_heads": 8)", R"("num_key_value_heads": 5)"), ErrorCode::InvalidFile,
               "must divide num_attention_heads");
  expect_error(replace(kQwen3, R"("num_hidden_layers": 28)", R"("num_hidden_layers": 0)"), ErrorCode::InvalidFile,
               "'num_hidden_layers' must be positive");
  expect_error(replace(kQwen3, R"("use_sliding_window": false)", R"("use_sliding_window": true)"),
               ErrorCode::Unsupported, "use_sliding_window");
  expect_error(replace(kQwen3, R"("hidden_act": "silu")", R"("hidden_act": "gelu")"), ErrorCode::Unsupported,
               "hidden_act \"gelu\"");
  expect_error(replace(kQwen35, R"("layer_types": ["linear_attention",)",
                       R"("layer_types": ["linear_attention","linear_attention",)"),
               ErrorCode::InvalidFile, "must list one type per layer (24)");
  expect_error(replace(kQwen35, R"("layer_types": ["linear_attention",)", R"("layer_types": ["sliding_attention",)"),
               ErrorCode::InvalidFile, "unknown layer type sliding_attention");
  expect_error(replace(kQwen35, "[11, 11, 10]", "[11, 11, 11]"), ErrorCode::InvalidFile, "mrope_section");
  expect_error(replace(kQwen35, R"("num_position_embeddings": 2304)", R"("num_position_embeddings": 2300)"),
               ErrorCode::InvalidFile, "square grid");
  expect_error(replace(kQwen35, R"("text_config": {)", R"("text_config": 7, "x": {)"), ErrorCode::InvalidFile,
               "field 'text_config' must be an object");
  expect_error("{\"model_type\": ", ErrorCode::InvalidFile, "invalid JSON");
  expect_error(std::string(200, '[') + std::string(200, ']'), ErrorCode::InvalidFile, "nested deeper");
  expect_error("[1]", ErrorCode::InvalidFile, "expected a JSON object");
}

TEST(Config, MlxQuantization) {
  std::string base = std::string(kQwen3).substr(0, std::string(kQwen3).rfind('}'));
  // mlx-community style: "quantization" with no mode, mirrored in quantization_config.
  ModelConfig a = parse(base + R"(, "quantization": {"group_size": 64, "bits": 4},
      "quantization_config": {"group_size": 64, "bits": 4}})");
  EXPECT_EQ(a.quant.method, QuantMethod::MlxAffine);
  EXPECT_EQ(a.quant.bits, 4);
  EXPECT_EQ(a.quant.group_size, 64);
  // Only quantization_config, with mode, and per-module overrides.
  ModelConfig b = parse(base + R"(, "quantization_config": {"group_size": 32, "bits": 4, "mode": "affine",
      "model.layers.0.mlp.down_proj": {"group_size": 64, "bits": 8}, "lm_head": false}})");
  EXPECT_EQ(b.quant.method, QuantMethod::MlxAffine);
  EXPECT_EQ(b.quant.group_size, 32);
  ASSERT_EQ(b.quant.mlx_overrides.size(), 2u);
  EXPECT_EQ(b.quant.mlx_overrides.at("model.layers.0.mlp.down_proj").bits, 8);
  EXPECT_FALSE(b.quant.mlx_overrides.at("lm_head").quantized);
  expect_error(base + R"(, "quantization": {"group_size": 32, "bits": 4, "mode": "mxfp4"}})", ErrorCode::Unsupported,
               "mode \"mxfp4\" is not supported");
  expect_error(base + R"(, "quantization": {"group_size": 64, "bits": 3}})", ErrorCode::Unsupported, "MLX 3-bit");
  expect_error(base + R"(, "quantization": {"group_size": 48, "bits": 4}})", ErrorCode::InvalidFile, "group_size 48");
  expect_error(base + R"(, "quantization": {"group_size": 64}})", ErrorCode::InvalidFile,
               "missing required field 'bits'");
}

TEST(Config, GptqQuantization) {
  std::string base = std::string(kQwen3).substr(0, std::string(kQwen3).rfind('}'));
  ModelConfig a = parse(base + R"(, "quantization_config": {"quant_method": "gptq", "bits": 4,
      "group_size": 128, "desc_act": false, "sym": true}})");
  EXPECT_EQ(a.quant.method, QuantMethod::Gptq);
  EXPECT_TRUE(a.quant.sym);
  EXPECT_FALSE(a.quant.gptq_v2);
  ModelConfig b = parse(base + R"(, "quantization_config": {"quant_method": "gptq", "bits": 4,
      "group_size": -1, "sym": false, "checkpoint_format": "gptq_v2"}})");
  EXPECT_EQ(b.quant.group_size, -1);
  EXPECT_FALSE(b.quant.sym);
  EXPECT_TRUE(b.quant.gptq_v2);
  expect_error(
      base + R"(, "quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": true}})",
      ErrorCode::Unsupported, "act-order (desc_act: true)");
  expect_error(base + R"(, "quantization_config": {"quant_method": "gptq", "bits": 8, "group_size": 128}})",
               ErrorCode::Unsupported, "GPTQ 8-bit");
  expect_error(base + R"(, "quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128}})",
               ErrorCode::Unsupported, "quant_method \"awq\" is not supported; Vole reads MLX affine");
  expect_error(base + R"(, "quantization_config": {"quant_method": "gptq", "bits": 4, "checkpoint_format": "marlin"}})",
               ErrorCode::Unsupported, "checkpoint_format \"marlin\"");
}

TEST(GenerationConfig, Fields) {
  GenerationConfig g =
      parse_generation_config(R"({"bos_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643],
      "pad_token_id": 151643, "temperature": 0.6, "top_k": 20, "top_p": 0.95, "min_p": 0.0,
      "repetition_penalty": 1.05, "presence_penalty": 1.5, "transformers_version": "4.51.0"})",
                              "generation_config.json");
  EXPECT_EQ(g.eos_token_ids, (std::vector<int64_t>{151645, 151643}));
  EXPECT_EQ(*g.bos_token_id, 151643);
  EXPECT_EQ(*g.pad_token_id, 151643);
  EXPECT_TRUE(*g.do_sample);
  EXPECT_DOUBLE_EQ(*g.temperature, 0.6);
  EXPECT_EQ(*g.top_k, 20);
  EXPECT_DOUBLE_EQ(*g.top_p, 0.95);
  EXPECT_DOUBLE_EQ(*g.min_p, 0.0);
  EXPECT_DOUBLE_EQ(*g.repetition_penalty, 1.05);
  EXPECT_DOUBLE_EQ(*g.presence_penalty, 1.5);
  GenerationConfig one = parse_generation_config(R"({"eos_token_id": 2})", "generation_config.json");
  EXPECT_EQ(one.eos_token_ids, (std::vector<int64_t>{2}));
  EXPECT_FALSE(one.temperature.has_value());
  try {
    parse_generation_config(R"({"top_p": 1.5})", "generation_config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("generation_config.json: field 'top_p' must be in (0, 1]"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_generation_config(R"({"eos_token_id": [1, "x"]})", "generation_config.json"), Error);
}
