#include "model/config.h"

#include "model/json_util.h"
#include "util/error.h"
#include "util/file.h"

namespace vole::model {

namespace {

[[noreturn]] void invalid(const std::string& label, const std::string& what) {
  fail(ErrorCode::InvalidFile, label + ": " + what);
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
    fail(ErrorCode::Unsupported,
         label + ": MLX " + std::to_string(bits) + "-bit weights are not supported (2, 4 or 8 bits)");
  if (group <= 0 || group % 32 != 0)
    invalid(label, "MLX group_size " + std::to_string(group) + " must be a positive multiple of 32");
}

}  // namespace

QuantizationConfig parse_quantization(const JsonObject& top) {
  QuantizationConfig q;
  const json* qc = top.find("quantization_config");
  const json* mq = top.find("quantization");
  if (qc && qc->is_object() && qc->contains("quant_method")) {
    JsonObject o(*qc, top.label() + ": quantization_config");
    std::string method = o.get_string("quant_method");
    if (method != "gptq")
      fail(ErrorCode::Unsupported,
           o.label() + ": quant_method \"" + method +
               "\" is not supported; Vole reads MLX affine (\"quantization\": {bits, group_size}) "
               "and GPTQ 4-bit checkpoints, or quantizes F32/F16/BF16 itself");
    q.method = QuantMethod::Gptq;
    q.bits = static_cast<int>(o.get_int("bits"));
    q.group_size = static_cast<int>(o.get_int("group_size", 128));
    q.sym = o.get_bool("sym", true);
    q.desc_act = o.get_bool("desc_act", false);
    std::string format = o.get_string("checkpoint_format", "gptq");
    if (format != "gptq" && format != "gptq_v2")
      fail(ErrorCode::Unsupported,
           o.label() + ": GPTQ checkpoint_format \"" + format + "\" is not supported (gptq, gptq_v2)");
    q.gptq_v2 = format == "gptq_v2";
    if (q.bits != 4)
      fail(ErrorCode::Unsupported,
           o.label() + ": GPTQ " + std::to_string(q.bits) + "-bit is not supported (only 4-bit)");
    if (q.desc_act)
      fail(ErrorCode::Unsupported,
           o.label() + ": GPTQ act-order (desc_act: true) is not supported; use a desc_act=false export");
    if (q.group_size != -1 && (q.group_size <= 0 || q.group_size % 32 != 0))
      invalid(o.label(),
              "GPTQ group_size " + std::to_string(q.group_size) + " must be -1 or a positive multiple of 32");
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

const char* quant_method_name(QuantMethod m) {
  switch (m) {
    case QuantMethod::None:
      return "none";
    case QuantMethod::MlxAffine:
      return "mlx-affine";
    case QuantMethod::Gptq:
      return "gptq";
  }
  return "?";
}

void ModelConfig::wrong_family() const {
  fail(ErrorCode::InvalidArgument,
       "the config of a " + std::string(family ? family->name() : "?") + " model was read as another family's");
}

ModelConfig parse_model_config(std::string_view json_text, const std::string& label, const FamilyTable& families) {
  json j = parse_json(json_text, label);
  JsonObject top(j, label);
  ModelConfig c;
  c.family = &families.resolve(top);
  c.model_type = top.get_string("model_type", "");
  if (const json* a = top.find("architectures"); a && a->is_array() && !a->empty() && (*a)[0].is_string())
    c.architecture = (*a)[0].get<std::string>();
  c.typed = c.family->parse_config(top);
  c.quant = parse_quantization(top);
  return c;
}

ModelConfig load_model_config(const std::filesystem::path& path, const FamilyTable& families) {
  return parse_model_config(read_text_file(path), path.string(), families);
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
