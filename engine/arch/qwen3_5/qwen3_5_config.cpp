#include <algorithm>
#include <cmath>

#include "arch/qwen3_5/qwen3_5.h"
#include "util/error.h"

namespace vole::arch {

using model::json;
using model::JsonObject;

namespace {

void parse_qwen3_5_text(const JsonObject& t, const JsonObject& top, Qwen3_5TextConfig& c) {
  parse_decoder_common(t, c);
  c.num_key_value_heads = t.get_int("num_key_value_heads", 4);
  c.head_dim = t.get_int("head_dim", 256);
  c.max_position_embeddings = t.get_int("max_position_embeddings", 32768);
  c.linear_conv_kernel_dim = t.get_int("linear_conv_kernel_dim", 4);
  c.linear_key_head_dim = t.get_int("linear_key_head_dim", 128);
  c.linear_value_head_dim = t.get_int("linear_value_head_dim", 128);
  c.linear_num_key_heads = t.get_int("linear_num_key_heads", 16);
  c.linear_num_value_heads = t.get_int("linear_num_value_heads", 32);
  c.full_attention_interval = t.get_int("full_attention_interval", 4);
  for (const char* k : {"linear_conv_kernel_dim", "linear_key_head_dim", "linear_value_head_dim",
                        "linear_num_key_heads", "linear_num_value_heads", "full_attention_interval"})
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
  check_attention_fields(t, c);

  if (const json* lt = t.find("layer_types")) {
    if (!lt->is_array() || static_cast<int64_t>(lt->size()) != c.num_hidden_layers)
      t.fail_field("layer_types", "must list one type per layer (" + std::to_string(c.num_hidden_layers) + ")");
    for (const auto& e : *lt) {
      std::string s = e.is_string() ? e.get<std::string>() : e.dump();
      if (s == "linear_attention")
        c.layer_types.push_back(Qwen3_5Layer::LinearAttention);
      else if (s == "full_attention")
        c.layer_types.push_back(Qwen3_5Layer::FullAttention);
      else
        t.fail_field("layer_types", "has unknown layer type " + s + " (linear_attention or full_attention)");
    }
  } else {
    for (int64_t i = 0; i < c.num_hidden_layers; ++i)
      c.layer_types.push_back((i + 1) % c.full_attention_interval == 0 ? Qwen3_5Layer::FullAttention
                                                                       : Qwen3_5Layer::LinearAttention);
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

Qwen3_5VisionConfig parse_vision(const JsonObject& v) {
  Qwen3_5VisionConfig c;
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
  for (auto [k, val] : {std::pair{"depth", c.depth},
                        {"hidden_size", c.hidden_size},
                        {"num_heads", c.num_heads},
                        {"intermediate_size", c.intermediate_size},
                        {"in_channels", c.in_channels},
                        {"patch_size", c.patch_size},
                        {"temporal_patch_size", c.temporal_patch_size},
                        {"spatial_merge_size", c.spatial_merge_size},
                        {"out_hidden_size", c.out_hidden_size},
                        {"num_position_embeddings", c.num_position_embeddings}})
    require_positive(v, k, val);
  if (c.hidden_size % c.num_heads != 0) v.fail_field("num_heads", "must divide hidden_size");
  auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(c.num_position_embeddings))));
  if (side * side != c.num_position_embeddings) v.fail_field("num_position_embeddings", "must be a square grid size");
  return c;
}

}  // namespace

int64_t Qwen3_5TextConfig::num_full_attention_layers() const {
  return std::count(layer_types.begin(), layer_types.end(), Qwen3_5Layer::FullAttention);
}

std::shared_ptr<const Qwen3_5Config> parse_qwen3_5_config(const JsonObject& top) {
  auto c = std::make_shared<Qwen3_5Config>();
  if (top.has("text_config"))
    parse_qwen3_5_text(top.child("text_config"), top, c->text);
  else
    parse_qwen3_5_text(top, top, c->text);
  if (top.has("vision_config")) c->vision = parse_vision(top.child("vision_config"));
  c->image_token_id = top.opt_int("image_token_id");
  c->video_token_id = top.opt_int("video_token_id");
  c->vision_start_token_id = top.opt_int("vision_start_token_id");
  c->vision_end_token_id = top.opt_int("vision_end_token_id");
  c->eos_token_ids = c->text.eos_token_ids;
  c->max_position_embeddings = c->text.max_position_embeddings;
  return c;
}

}  // namespace vole::arch
