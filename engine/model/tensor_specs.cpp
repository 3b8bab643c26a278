#include "model/tensor_specs.h"

namespace vole::model {

const char* tensor_group_name(TensorGroup g) {
  switch (g) {
    case TensorGroup::Text: return "text";
    case TensorGroup::Vision: return "vision";
    case TensorGroup::Mtp: return "mtp";
  }
  return "?";
}

TensorGroup tensor_group_of(std::string_view name) {
  if (name.starts_with("model.visual.")) return TensorGroup::Vision;
  if (name.starts_with("mtp.")) return TensorGroup::Mtp;
  return TensorGroup::Text;
}

const char* tensor_role_name(TensorRole r) {
  switch (r) {
    case TensorRole::Embedding: return "embedding";
    case TensorRole::LmHead: return "lm_head";
    case TensorRole::Linear: return "linear";
    case TensorRole::Bias: return "bias";
    case TensorRole::RmsNorm: return "rms_norm";
    case TensorRole::RmsNormZeroCentred: return "rms_norm(1+w)";
    case TensorRole::GatedRmsNorm: return "gated_rms_norm";
    case TensorRole::LayerNorm: return "layer_norm";
    case TensorRole::Conv1d: return "conv1d";
    case TensorRole::ALog: return "A_log";
    case TensorRole::DtBias: return "dt_bias";
    case TensorRole::PatchEmbed: return "patch_embed";
    case TensorRole::PositionEmbed: return "pos_embed";
  }
  return "?";
}

bool Selection::wants_group(TensorGroup g) const {
  switch (g) {
    case TensorGroup::Text: return text;
    case TensorGroup::Vision: return vision;
    case TensorGroup::Mtp: return mtp;
  }
  return false;
}

bool Selection::wants(std::string_view name) const {
  if (!wants_group(tensor_group_of(name))) return false;
  if (prefixes.empty()) return true;
  for (const auto& p : prefixes)
    if (name.starts_with(p)) return true;
  return false;
}

std::string text_prefix(Architecture arch) {
  return arch == Architecture::Qwen3_5 ? "model.language_model." : "model.";
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

class SpecList {
 public:
  SpecList(std::vector<TensorSpec>& out, TensorGroup group) : out_(out), group_(group) {}
  void add(std::string name, std::vector<int64_t> shape, TensorRole role, int layer = -1) {
    out_.push_back({std::move(name), std::move(shape), role, group_, layer});
  }

 private:
  std::vector<TensorSpec>& out_;
  TensorGroup group_;
};

void add_mlp(SpecList& s, const std::string& p, const TextConfig& c, int layer) {
  s.add(p + "mlp.gate_proj.weight", {c.intermediate_size, c.hidden_size}, TensorRole::Linear, layer);
  s.add(p + "mlp.up_proj.weight", {c.intermediate_size, c.hidden_size}, TensorRole::Linear, layer);
  s.add(p + "mlp.down_proj.weight", {c.hidden_size, c.intermediate_size}, TensorRole::Linear, layer);
}

// Full attention. Qwen3.5's q_proj has twice the rows: per head, the query then its
// sigmoid output gate.
void add_attention(SpecList& s, const std::string& p, const TextConfig& c, bool gated, TensorRole norm, int layer) {
  int64_t q_rows = c.num_attention_heads * c.head_dim * (gated ? 2 : 1);
  int64_t kv_rows = c.num_key_value_heads * c.head_dim;
  int64_t o_cols = c.num_attention_heads * c.head_dim;
  s.add(p + "self_attn.q_proj.weight", {q_rows, c.hidden_size}, TensorRole::Linear, layer);
  s.add(p + "self_attn.k_proj.weight", {kv_rows, c.hidden_size}, TensorRole::Linear, layer);
  s.add(p + "self_attn.v_proj.weight", {kv_rows, c.hidden_size}, TensorRole::Linear, layer);
  s.add(p + "self_attn.o_proj.weight", {c.hidden_size, o_cols}, TensorRole::Linear, layer);
  if (c.attention_bias) {
    s.add(p + "self_attn.q_proj.bias", {q_rows}, TensorRole::Bias, layer);
    s.add(p + "self_attn.k_proj.bias", {kv_rows}, TensorRole::Bias, layer);
    s.add(p + "self_attn.v_proj.bias", {kv_rows}, TensorRole::Bias, layer);
    s.add(p + "self_attn.o_proj.bias", {c.hidden_size}, TensorRole::Bias, layer);
  }
  s.add(p + "self_attn.q_norm.weight", {c.head_dim}, norm, layer);
  s.add(p + "self_attn.k_norm.weight", {c.head_dim}, norm, layer);
}

void add_gated_deltanet(SpecList& s, const std::string& p, const TextConfig& c, int layer) {
  int64_t hv = c.linear_num_value_heads;
  s.add(p + "linear_attn.in_proj_qkv.weight", {c.linear_conv_dim(), c.hidden_size}, TensorRole::Linear, layer);
  s.add(p + "linear_attn.in_proj_z.weight", {c.linear_value_dim(), c.hidden_size}, TensorRole::Linear, layer);
  s.add(p + "linear_attn.in_proj_b.weight", {hv, c.hidden_size}, TensorRole::Linear, layer);
  s.add(p + "linear_attn.in_proj_a.weight", {hv, c.hidden_size}, TensorRole::Linear, layer);
  s.add(p + "linear_attn.conv1d.weight", {c.linear_conv_dim(), 1, c.linear_conv_kernel_dim}, TensorRole::Conv1d, layer);
  s.add(p + "linear_attn.A_log", {hv}, TensorRole::ALog, layer);
  s.add(p + "linear_attn.dt_bias", {hv}, TensorRole::DtBias, layer);
  s.add(p + "linear_attn.norm.weight", {c.linear_value_head_dim}, TensorRole::GatedRmsNorm, layer);
  s.add(p + "linear_attn.out_proj.weight", {c.hidden_size, c.linear_value_dim()}, TensorRole::Linear, layer);
}

void add_text(std::vector<TensorSpec>& out, const ModelConfig& config) {
  const TextConfig& c = config.text;
  bool qwen3_5 = config.arch == Architecture::Qwen3_5;
  TensorRole norm = qwen3_5 ? TensorRole::RmsNormZeroCentred : TensorRole::RmsNorm;
  std::string prefix = text_prefix(config.arch);
  SpecList s(out, TensorGroup::Text);
  s.add(prefix + "embed_tokens.weight", {c.vocab_size, c.hidden_size}, TensorRole::Embedding);
  for (int i = 0; i < static_cast<int>(c.num_hidden_layers); ++i) {
    std::string p = prefix + "layers." + std::to_string(i) + ".";
    s.add(p + "input_layernorm.weight", {c.hidden_size}, norm, i);
    if (c.layer_types[static_cast<size_t>(i)] == LayerType::LinearAttention) add_gated_deltanet(s, p, c, i);
    else add_attention(s, p, c, qwen3_5, norm, i);
    s.add(p + "post_attention_layernorm.weight", {c.hidden_size}, norm, i);
    add_mlp(s, p, c, i);
  }
  s.add(prefix + "norm.weight", {c.hidden_size}, norm);
  if (!c.tie_word_embeddings) s.add("lm_head.weight", {c.vocab_size, c.hidden_size}, TensorRole::LmHead);
}

void add_vision(std::vector<TensorSpec>& out, const VisionConfig& v) {
  SpecList s(out, TensorGroup::Vision);
  const std::string p = "model.visual.";
  int64_t h = v.hidden_size;
  s.add(p + "patch_embed.proj.weight", {h, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size},
        TensorRole::PatchEmbed);
  s.add(p + "patch_embed.proj.bias", {h}, TensorRole::Bias);
  s.add(p + "pos_embed.weight", {v.num_position_embeddings, h}, TensorRole::PositionEmbed);
  for (int j = 0; j < static_cast<int>(v.depth); ++j) {
    std::string b = p + "blocks." + std::to_string(j) + ".";
    s.add(b + "norm1.weight", {h}, TensorRole::LayerNorm, j);
    s.add(b + "norm1.bias", {h}, TensorRole::Bias, j);
    s.add(b + "attn.qkv.weight", {3 * h, h}, TensorRole::Linear, j);
    s.add(b + "attn.qkv.bias", {3 * h}, TensorRole::Bias, j);
    s.add(b + "attn.proj.weight", {h, h}, TensorRole::Linear, j);
    s.add(b + "attn.proj.bias", {h}, TensorRole::Bias, j);
    s.add(b + "norm2.weight", {h}, TensorRole::LayerNorm, j);
    s.add(b + "norm2.bias", {h}, TensorRole::Bias, j);
    s.add(b + "mlp.linear_fc1.weight", {v.intermediate_size, h}, TensorRole::Linear, j);
    s.add(b + "mlp.linear_fc1.bias", {v.intermediate_size}, TensorRole::Bias, j);
    s.add(b + "mlp.linear_fc2.weight", {h, v.intermediate_size}, TensorRole::Linear, j);
    s.add(b + "mlp.linear_fc2.bias", {h}, TensorRole::Bias, j);
  }
  int64_t merged = h * v.spatial_merge_size * v.spatial_merge_size;
  s.add(p + "merger.norm.weight", {h}, TensorRole::LayerNorm);
  s.add(p + "merger.norm.bias", {h}, TensorRole::Bias);
  s.add(p + "merger.linear_fc1.weight", {merged, merged}, TensorRole::Linear);
  s.add(p + "merger.linear_fc1.bias", {merged}, TensorRole::Bias);
  s.add(p + "merger.linear_fc2.weight", {v.out_hidden_size, merged}, TensorRole::Linear);
  s.add(p + "merger.linear_fc2.bias", {v.out_hidden_size}, TensorRole::Bias);
}

// Multi-token prediction head: norms on the embedding and the hidden state, a fusing
// projection, then full-attention blocks and a final norm. It shares embed_tokens
// and lm_head with the main model.
void add_mtp(std::vector<TensorSpec>& out, const TextConfig& c) {
  SpecList s(out, TensorGroup::Mtp);
  TensorRole norm = TensorRole::RmsNormZeroCentred;
  s.add("mtp.pre_fc_norm_embedding.weight", {c.hidden_size}, norm);
  s.add("mtp.pre_fc_norm_hidden.weight", {c.hidden_size}, norm);
  s.add("mtp.fc.weight", {c.hidden_size, 2 * c.hidden_size}, TensorRole::Linear);
  for (int j = 0; j < static_cast<int>(c.mtp_num_hidden_layers); ++j) {
    std::string p = "mtp.layers." + std::to_string(j) + ".";
    s.add(p + "input_layernorm.weight", {c.hidden_size}, norm, j);
    add_attention(s, p, c, true, norm, j);
    s.add(p + "post_attention_layernorm.weight", {c.hidden_size}, norm, j);
    add_mlp(s, p, c, j);
  }
  s.add("mtp.norm.weight", {c.hidden_size}, norm);
}

}  // namespace

std::vector<TensorSpec> expected_tensors(const ModelConfig& config, const Selection& selection) {
  std::vector<TensorSpec> out;
  if (selection.text) add_text(out, config);
  if (selection.vision && config.vision) add_vision(out, *config.vision);
  if (selection.mtp && config.arch == Architecture::Qwen3_5 && config.text.mtp_num_hidden_layers > 0)
    add_mtp(out, config.text);
  return out;
}

}  // namespace vole::model
