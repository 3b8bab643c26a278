#include "model/config.h"

#include <algorithm>
#include <cmath>

#include "model/json_util.h"
#include "util/error.h"
#include "util/file.h"

namespace vole::model {

namespace {

constexpr const char* kSupported =
    "Vole supports qwen3_5 (Qwen3_5ForConditionalGeneration, Qwen3_5ForCausalLM) and qwen3 (Qwen3ForCausalLM)";

struct KnownModel {
  const char* model_type;
  Architecture arch;
};
constexpr KnownModel kModelTypes[] = {
    {"qwen3_5", Architecture::Qwen3_5}, {"qwen3_5_text", Architecture::Qwen3_5}, {"qwen3", Architecture::Qwen3}};
struct KnownClass {
  const char* name;
  Architecture arch;
};
constexpr KnownClass kClasses[] = {{"Qwen3_5ForConditionalGeneration", Architecture::Qwen3_5},
                                   {"Qwen3_5ForCausalLM", Architecture::Qwen3_5},
                                   {"Qwen3ForCausalLM", Architecture::Qwen3}};

[[noreturn]] void invalid(const std::string& label, const std::string& what) {
  fail(ErrorCode::InvalidFile, label + ": " + what);
}

void require_positive(const JsonObject& o, const char* key, int64_t v) {
  if (v <= 0) o.fail_field(key, "must be positive, found " + std::to_string(v));
}

Architecture detect_architecture(const JsonObject& top, std::string& model_type, std::string& class_name) {
  model_type = top.get_string("model_type", "");
  class_name.clear();
  if (const json* a = top.find("architectures")) {
    if (!a->is_array()) top.fail_field("architectures", "must be a list of class names");
    if (!a->empty()) {
      if (!(*a)[0].is_string()) top.fail_field("architectures", "must be a list of class names");
      class_name = (*a)[0].get<std::string>();
    }
  }
  std::optional<Architecture> by_type, by_class;
  for (const auto& k : kModelTypes)
    if (model_type == k.model_type) by_type = k.arch;
  for (const auto& k : kClasses)
    if (class_name == k.name) by_class = k.arch;
  auto unsupported = [&]() -> Architecture {
    fail(ErrorCode::Unsupported, top.label() + ": unsupported model (model_type \"" + model_type + "\", architecture \"" +
                                     class_name + "\"); " + kSupported);
  };
  if (model_type.empty() && class_name.empty())
    fail(ErrorCode::InvalidFile, top.label() + ": has neither model_type nor architectures; " + kSupported);
  if (!model_type.empty() && !by_type) return unsupported();
  if (!class_name.empty() && !by_class) return unsupported();
  if (by_type && by_class && *by_type != *by_class) return unsupported();
  return by_type ? *by_type : *by_class;
}

// rope_parameters (transformers v5) or the older rope_theta / partial_rotary_factor /
// rope_scaling fields beside it.
RopeParameters parse_rope(const JsonObject& text, RopeParameters r) {
  r.partial_rotary_factor = text.get_double("partial_rotary_factor", r.partial_rotary_factor);
  r.rope_theta = text.get_double("rope_theta", r.rope_theta);
  auto read_block = [&](const JsonObject& b) {
    r.rope_type = b.get_string("rope_type", b.get_string("type", r.rope_type));
    r.rope_theta = b.get_double("rope_theta", r.rope_theta);
    r.partial_rotary_factor = b.get_double("partial_rotary_factor", r.partial_rotary_factor);
    if (b.has("mrope_section")) r.mrope_section = b.get_int_list("mrope_section");
    r.mrope_interleaved = b.get_bool("mrope_interleaved", r.mrope_interleaved);
    r.factor = b.get_double("factor", r.factor);
    r.original_max_position_embeddings = b.opt_int("original_max_position_embeddings");
  };
  if (text.has("rope_scaling")) read_block(text.child("rope_scaling"));
  if (text.has("rope_parameters")) read_block(text.child("rope_parameters"));
  if (!(r.partial_rotary_factor > 0.0 && r.partial_rotary_factor <= 1.0))
    text.fail_field("partial_rotary_factor", "must be in (0, 1]");
  if (!(r.rope_theta > 0.0)) text.fail_field("rope_theta", "must be positive");
  return r;
}

void parse_common_text(const JsonObject& t, TextConfig& c) {
  c.vocab_size = t.get_int("vocab_size");
  c.hidden_size = t.get_int("hidden_size");
  c.intermediate_size = t.get_int("intermediate_size");
  c.num_hidden_layers = t.get_int("num_hidden_layers");
  c.num_attention_heads = t.get_int("num_attention_heads");
  require_positive(t, "vocab_size", c.vocab_size);
  require_positive(t, "hidden_size", c.hidden_size);
  require_positive(t, "intermediate_size", c.intermediate_size);
  require_positive(t, "num_hidden_layers", c.num_hidden_layers);
  require_positive(t, "num_attention_heads", c.num_attention_heads);
  c.hidden_act = t.get_string("hidden_act", "silu");
  if (c.hidden_act != "silu")
    fail(ErrorCode::Unsupported, t.label() + ": hidden_act \"" + c.hidden_act + "\" is not supported (only silu)");
  c.rms_norm_eps = t.get_double("rms_norm_eps", 1e-6);
  if (!(c.rms_norm_eps > 0)) t.fail_field("rms_norm_eps", "must be positive");
  c.attention_bias = t.get_bool("attention_bias", false);
  c.bos_token_id = t.opt_int("bos_token_id");
  c.pad_token_id = t.opt_int("pad_token_id");
  if (t.has("eos_token_id")) c.eos_token_ids = t.get_int_list("eos_token_id");
  c.dtype = t.get_string("dtype", t.get_string("torch_dtype", ""));
}

void check_heads(const JsonObject& t, const TextConfig& c) {
  require_positive(t, "num_key_value_heads", c.num_key_value_heads);
  require_positive(t, "head_dim", c.head_dim);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    t.fail_field("num_key_value_heads", "(" + std::to_string(c.num_key_value_heads) + ") must divide num_attention_heads (" +
                                            std::to_string(c.num_attention_heads) + ")");
  if (c.rotary_dim() <= 0 || c.rotary_dim() % 2 != 0)
    t.fail_field("partial_rotary_factor", "gives an odd or empty rotary dimension " + std::to_string(c.rotary_dim()));
  if (!c.rope.mrope_section.empty()) {
    int64_t sum = 0;
    for (int64_t s : c.rope.mrope_section) {
      if (s < 0) t.fail_field("mrope_section", "has a negative entry");
      sum += s;
    }
    if (sum != c.rotary_dim() / 2)
      t.fail_field("mrope_section", "sums to " + std::to_string(sum) + " but the rotary dimension needs " +
                                        std::to_string(c.rotary_dim() / 2) + " frequencies");
  }
}

void parse_qwen3_5_text(const JsonObject& t, const JsonObject& top, TextConfig& c) {
  parse_common_text(t, c);
  c.num_key_value_heads = t.get_int("num_key_value_heads", 4);
  c.head_dim = t.get_int("head_dim", 256);
  c.max_position_embeddings = t.get_int("max_position_embeddings", 32768);
  c.linear_conv_kernel_dim = t.get_int("linear_conv_kernel_dim", 4);
  c.linear_key_head_dim = t.get_int("linear_key_head_dim", 128);
  c.linear_value_head_dim = t.get_int("linear_value_head_dim", 128);
  c.linear_num_key_heads = t.get_int("linear_num_key_heads", 16);
  c.linear_num_value_heads = t.get_int("linear_num_value_heads", 32);
  c.full_attention_interval = t.get_int("full_attention_interval", 4);
  for (const char* k : {"linear_conv_kernel_dim", "linear_key_head_dim", "linear_value_head_dim", "linear_num_key_heads",
                        "linear_num_value_heads", "full_attention_interval"})
    require_positive(t, k, t.get_int(k, 1));
  if (c.linear_num_value_heads % c.linear_num_key_heads != 0)
    t.fail_field("linear_num_value_heads", "must be a multiple of linear_num_key_heads");
  RopeParameters defaults;
  defaults.partial_rotary_factor = 0.25;
  defaults.mrope_interleaved = true;  // HF Qwen3.5 always interleaves
  c.rope = parse_rope(t, defaults);
  // HF's default sections [11, 11, 10] fit only a 64-wide rotary dimension; for other
  // shapes an absent mrope_section stays empty (text-only positions do not need it).
  if (c.rope.mrope_section.empty() && c.rotary_dim() == 64) c.rope.mrope_section = {11, 11, 10};
  check_heads(t, c);

  if (const json* lt = t.find("layer_types")) {
    if (!lt->is_array() || static_cast<int64_t>(lt->size()) != c.num_hidden_layers)
      t.fail_field("layer_types", "must list one type per layer (" + std::to_string(c.num_hidden_layers) + ")");
    for (const auto& e : *lt) {
      std::string s = e.is_string() ? e.get<std::string>() : e.dump();
      if (s == "linear_attention") c.layer_types.push_back(LayerType::LinearAttention);
      else if (s == "full_attention") c.layer_types.push_back(LayerType::FullAttention);
      else t.fail_field("layer_types", "has unknown layer type " + s + " (linear_attention or full_attention)");
    }
  } else {
    for (int64_t i = 0; i < c.num_hidden_layers; ++i)
      c.layer_types.push_back((i + 1) % c.full_attention_interval == 0 ? LayerType::FullAttention : LayerType::LinearAttention);
  }
  c.attn_output_gate = t.get_bool("attn_output_gate", true);
  c.mamba_ssm_dtype = t.get_string("mamba_ssm_dtype", "");
  c.mtp_num_hidden_layers = t.get_int("mtp_num_hidden_layers", 0);
  if (c.mtp_num_hidden_layers < 0) t.fail_field("mtp_num_hidden_layers", "must not be negative");
  c.mtp_use_dedicated_embeddings = t.get_bool("mtp_use_dedicated_embeddings", false);
  // The top level decides tying for the multimodal class; a text-only config has it inline.
  c.tie_word_embeddings = top.get_bool("tie_word_embeddings", t.get_bool("tie_word_embeddings", false));
  if (!c.bos_token_id) c.bos_token_id = top.opt_int("bos_token_id");
  if (!c.pad_token_id) c.pad_token_id = top.opt_int("pad_token_id");
  if (c.eos_token_ids.empty() && top.has("eos_token_id")) c.eos_token_ids = top.get_int_list("eos_token_id");
}

VisionConfig parse_vision(const JsonObject& v) {
  VisionConfig c;
  c.depth = v.get_int("depth", c.depth);
  c.hidden_size = v.get_int("hidden_size", c.hidden_size);
  c.num_heads = v.get_int("num_heads", c.num_heads);
  c.intermediate_size = v.get_int("intermediate_size", c.intermediate_size);
  c.hidden_act = v.get_string("hidden_act", c.hidden_act);
  c.in_channels = v.get_int("in_channels", c.in_channels);
  c.patch_size = v.get_int("patch_size", c.patch_size);
  c.temporal_patch_size = v.get_int("temporal_patch_size", c.temporal_patch_size);
  c.spatial_merge_size = v.get_int("spatial_merge_size", c.spatial_merge_size);
  c.out_hidden_size = v.get_int("out_hidden_size", c.out_hidden_size);
  c.num_position_embeddings = v.get_int("num_position_embeddings", c.num_position_embeddings);
  if (v.has("deepstack_visual_indexes")) c.deepstack_visual_indexes = v.get_int_list("deepstack_visual_indexes");
  for (auto [k, val] : {std::pair{"depth", c.depth}, {"hidden_size", c.hidden_size}, {"num_heads", c.num_heads},
                        {"intermediate_size", c.intermediate_size}, {"in_channels", c.in_channels},
                        {"patch_size", c.patch_size}, {"temporal_patch_size", c.temporal_patch_size},
                        {"spatial_merge_size", c.spatial_merge_size}, {"out_hidden_size", c.out_hidden_size},
                        {"num_position_embeddings", c.num_position_embeddings}})
    require_positive(v, k, val);
  if (c.hidden_size % c.num_heads != 0) v.fail_field("num_heads", "must divide hidden_size");
  auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(c.num_position_embeddings))));
  if (side * side != c.num_position_embeddings) v.fail_field("num_position_embeddings", "must be a square grid size");
  return c;
}

void parse_qwen3_text(const JsonObject& t, TextConfig& c) {
  parse_common_text(t, c);
  c.num_key_value_heads = t.get_int("num_key_value_heads", c.num_attention_heads);
  if (c.hidden_size % c.num_attention_heads != 0 && !t.has("head_dim"))
    t.fail_field("head_dim", "is missing and hidden_size is not a multiple of num_attention_heads");
  c.head_dim = t.get_int("head_dim", c.hidden_size / c.num_attention_heads);
  c.max_position_embeddings = t.get_int("max_position_embeddings", 32768);
  c.tie_word_embeddings = t.get_bool("tie_word_embeddings", false);
  c.rope = parse_rope(t, RopeParameters{});
  check_heads(t, c);
  if (t.get_bool("use_sliding_window", false))
    fail(ErrorCode::Unsupported, t.label() + ": use_sliding_window is not supported");
  c.layer_types.assign(static_cast<size_t>(c.num_hidden_layers), LayerType::FullAttention);
}

MlxLayerQuant parse_mlx_layer(const JsonObject& q, const std::string& key, const json& v, const MlxLayerQuant& base) {
  MlxLayerQuant m = base;
  if (v.is_boolean()) {
    m.quantized = v.get<bool>();
    return m;
  }
  JsonObject o(v, q.label() + ": " + key);
  m.bits = static_cast<int>(o.get_int("bits", base.bits));
  m.group_size = static_cast<int>(o.get_int("group_size", base.group_size));
  std::string mode = o.get_string("mode", "affine");
  if (mode != "affine")
    fail(ErrorCode::Unsupported, o.label() + ": MLX quantization mode \"" + mode + "\" is not supported (only affine)");
  return m;
}

void check_mlx_params(const std::string& label, int bits, int group) {
  if (bits != 2 && bits != 4 && bits != 8)
    fail(ErrorCode::Unsupported, label + ": MLX " + std::to_string(bits) + "-bit weights are not supported (2, 4 or 8 bits)");
  if (group <= 0 || group % 32 != 0) invalid(label, "MLX group_size " + std::to_string(group) + " must be a positive multiple of 32");
}

QuantizationConfig parse_quantization(const JsonObject& top) {
  QuantizationConfig q;
  const json* qc = top.find("quantization_config");
  const json* mq = top.find("quantization");
  if (qc && qc->is_object() && qc->contains("quant_method")) {
    JsonObject o(*qc, top.label() + ": quantization_config");
    std::string method = o.get_string("quant_method");
    if (method != "gptq")
      fail(ErrorCode::Unsupported, o.label() + ": quant_method \"" + method +
                                       "\" is not supported; Vole reads MLX affine (\"quantization\": {bits, group_size}) "
                                       "and GPTQ 4-bit checkpoints, or quantizes F32/F16/BF16 itself");
    q.method = QuantMethod::Gptq;
    q.bits = static_cast<int>(o.get_int("bits"));
    q.group_size = static_cast<int>(o.get_int("group_size", 128));
    q.sym = o.get_bool("sym", true);
    q.desc_act = o.get_bool("desc_act", false);
    std::string format = o.get_string("checkpoint_format", "gptq");
    if (format != "gptq" && format != "gptq_v2")
      fail(ErrorCode::Unsupported, o.label() + ": GPTQ checkpoint_format \"" + format + "\" is not supported (gptq, gptq_v2)");
    q.gptq_v2 = format == "gptq_v2";
    if (q.bits != 4) fail(ErrorCode::Unsupported, o.label() + ": GPTQ " + std::to_string(q.bits) + "-bit is not supported (only 4-bit)");
    if (q.desc_act)
      fail(ErrorCode::Unsupported, o.label() + ": GPTQ act-order (desc_act: true) is not supported; use a desc_act=false export");
    if (q.group_size != -1 && (q.group_size <= 0 || q.group_size % 32 != 0))
      invalid(o.label(), "GPTQ group_size " + std::to_string(q.group_size) + " must be -1 or a positive multiple of 32");
    return q;
  }
  const json* block = mq ? mq : qc;
  if (!block) return q;
  std::string label = top.label() + (mq ? ": quantization" : ": quantization_config");
  JsonObject o(*block, label);
  std::string mode = o.get_string("mode", "affine");
  if (mode != "affine")
    fail(ErrorCode::Unsupported, label + ": MLX quantization mode \"" + mode + "\" is not supported (only affine)");
  q.method = QuantMethod::MlxAffine;
  q.bits = static_cast<int>(o.get_int("bits"));
  q.group_size = static_cast<int>(o.get_int("group_size"));
  check_mlx_params(label, q.bits, q.group_size);
  MlxLayerQuant base{true, q.bits, q.group_size};
  for (const auto& [key, v] : block->items()) {
    if (!v.is_object() && !v.is_boolean()) continue;  // bits, group_size, mode...
    MlxLayerQuant m = parse_mlx_layer(o, key, v, base);
    if (m.quantized) check_mlx_params(label + ": " + key, m.bits, m.group_size);
    q.mlx_overrides[key] = m;
  }
  return q;
}

}  // namespace

const char* architecture_name(Architecture a) { return a == Architecture::Qwen3_5 ? "qwen3_5" : "qwen3"; }

const char* quant_method_name(QuantMethod m) {
  switch (m) {
    case QuantMethod::None: return "none";
    case QuantMethod::MlxAffine: return "mlx-affine";
    case QuantMethod::Gptq: return "gptq";
  }
  return "?";
}

int64_t TextConfig::num_full_attention_layers() const {
  return std::count(layer_types.begin(), layer_types.end(), LayerType::FullAttention);
}

ModelConfig parse_model_config(std::string_view json_text, const std::string& label) {
  json j = parse_json(json_text, label);
  JsonObject top(j, label);
  ModelConfig c;
  c.arch = detect_architecture(top, c.model_type, c.architecture);
  if (c.arch == Architecture::Qwen3_5) {
    if (top.has("text_config")) parse_qwen3_5_text(top.child("text_config"), top, c.text);
    else parse_qwen3_5_text(top, top, c.text);
    if (top.has("vision_config")) c.vision = parse_vision(top.child("vision_config"));
    c.image_token_id = top.opt_int("image_token_id");
    c.video_token_id = top.opt_int("video_token_id");
    c.vision_start_token_id = top.opt_int("vision_start_token_id");
    c.vision_end_token_id = top.opt_int("vision_end_token_id");
  } else {
    parse_qwen3_text(top, c.text);
  }
  c.quant = parse_quantization(top);
  return c;
}

ModelConfig load_model_config(const std::filesystem::path& path) {
  return parse_model_config(read_text_file(path), path.string());
}

GenerationConfig parse_generation_config(std::string_view json_text, const std::string& label) {
  json j = parse_json(json_text, label);
  JsonObject o(j, label);
  GenerationConfig g;
  if (o.has("eos_token_id")) g.eos_token_ids = o.get_int_list("eos_token_id");
  g.bos_token_id = o.opt_int("bos_token_id");
  g.pad_token_id = o.opt_int("pad_token_id");
  if (o.has("do_sample")) g.do_sample = o.get_bool("do_sample", false);
  g.temperature = o.opt_double("temperature");
  g.top_p = o.opt_double("top_p");
  g.min_p = o.opt_double("min_p");
  g.repetition_penalty = o.opt_double("repetition_penalty");
  g.presence_penalty = o.opt_double("presence_penalty");
  g.top_k = o.opt_int("top_k");
  g.max_new_tokens = o.opt_int("max_new_tokens");
  if (g.temperature && *g.temperature < 0) o.fail_field("temperature", "must not be negative");
  if (g.top_p && (*g.top_p <= 0 || *g.top_p > 1)) o.fail_field("top_p", "must be in (0, 1]");
  if (g.min_p && (*g.min_p < 0 || *g.min_p > 1)) o.fail_field("min_p", "must be in [0, 1]");
  if (g.top_k && *g.top_k < 0) o.fail_field("top_k", "must not be negative");
  if (g.repetition_penalty && *g.repetition_penalty <= 0) o.fail_field("repetition_penalty", "must be positive");
  return g;
}

GenerationConfig load_generation_config(const std::filesystem::path& path) {
  return parse_generation_config(read_text_file(path), path.string());
}

}  // namespace vole::model
