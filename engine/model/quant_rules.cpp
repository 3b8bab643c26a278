#include "model/quant_rules.h"

#include <span>

namespace vole::model {

namespace {

constexpr QuantRule kQwen3_5Rules[] = {
    {"*norm*.weight", Precision::Keep, "norm weight"},
    {"*.bias", Precision::Keep, "bias"},
    {"*.A_log", Precision::Keep, "Gated DeltaNet decay rate (f32 in HF)"},
    {"*.dt_bias", Precision::Keep, "Gated DeltaNet time-step bias"},
    {"*.conv1d.weight", Precision::Keep, "depthwise conv taps"},
    {"*.in_proj_a.weight", Precision::Keep, "tiny projection (one row per value head)"},
    {"*.in_proj_b.weight", Precision::Keep, "tiny projection (one row per value head)"},
    {"model.visual.patch_embed.*", Precision::Keep, "vision patch embedding (Conv3d)"},
    {"model.visual.pos_embed.*", Precision::Keep, "vision position table (interpolated)"},
    {"*embed_tokens.weight", Precision::Quantize, "token embedding"},
    {"lm_head.weight", Precision::Quantize, "output projection"},
    {"*_proj.weight", Precision::Quantize, "projection"},
    {"*.linear_attn.in_proj_qkv.weight", Precision::Quantize, "projection"},
    {"*.linear_attn.in_proj_z.weight", Precision::Quantize, "projection"},
    {"model.visual.*.attn.qkv.weight", Precision::Quantize, "vision projection"},
    {"model.visual.*.linear_fc*.weight", Precision::Quantize, "vision projection"},
    {"mtp.fc.weight", Precision::Quantize, "MTP projection"},
    {"*", Precision::Keep, "not a large matrix"},
};

constexpr QuantRule kQwen3Rules[] = {
    {"*norm*.weight", Precision::Keep, "norm weight"},
    {"*.bias", Precision::Keep, "bias"},
    {"*embed_tokens.weight", Precision::Quantize, "token embedding"},
    {"lm_head.weight", Precision::Quantize, "output projection"},
    {"*_proj.weight", Precision::Quantize, "projection"},
    {"*", Precision::Keep, "not a large matrix"},
};

std::span<const QuantRule> table(Architecture arch) {
  if (arch == Architecture::Qwen3_5) return kQwen3_5Rules;
  return kQwen3Rules;
}

}  // namespace

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative wildcard match with backtracking to the last '*'.
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi, ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

const QuantRule& quant_rule(Architecture arch, std::string_view name) {
  auto rules = table(arch);
  for (const auto& r : rules)
    if (glob_match(r.pattern, name)) return r;
  return rules.back();
}

bool should_quantize(Architecture arch, const TensorSpec& spec, int group_size, std::string* why) {
  const QuantRule& rule = quant_rule(arch, spec.name);
  auto say = [&](const std::string& s) {
    if (why) *why = s;
  };
  if (rule.precision == Precision::Keep) {
    say(std::string("kept: ") + rule.reason);
    return false;
  }
  if (spec.shape.size() != 2) {
    say("kept: not 2-D");
    return false;
  }
  if (group_size <= 0 || spec.shape[1] % group_size != 0) {
    say("kept: input dimension " + std::to_string(spec.shape[1]) + " is not a multiple of " + std::to_string(group_size));
    return false;
  }
  say(std::string("quantized: ") + rule.reason);
  return true;
}

}  // namespace vole::model
