// `vole info -m DIR`: what a model folder holds and what loading it would do, without
// reading any weights: architecture, dimensions, layer pattern, parameter counts,
// the load plan per dtype, sizes on disk and on the device, the cache's state.
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>

#include "command.h"
#include "arch/families.h"
#include "model/model_folder.h"
#include "model/weight_cache.h"
#include "model/weight_loader.h"
#include "util/error.h"

namespace vole::cli {

namespace {

using namespace vole::model;

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", b, units[u]);
  return buf;
}

std::string human_count(double n) {
  char buf[32];
  if (n >= 1e9) std::snprintf(buf, sizeof buf, "%.2fB", n / 1e9);
  else if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
  else if (n >= 1e3) std::snprintf(buf, sizeof buf, "%.1fK", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

uint64_t params_of(const std::vector<TensorSpec>& specs, const std::string& part) {
  uint64_t n = 0;
  for (const auto& t : specs) {
    if (t.part != part) continue;
    uint64_t e = 1;
    for (int64_t d : t.shape) e *= static_cast<uint64_t>(d);
    n += e;
  }
  return n;
}

std::string ids(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return v.size() == 1 ? s : "[" + s + "]";
}

std::string quant_line(const QuantizationConfig& q) {
  switch (q.method) {
    case QuantMethod::None: return "none (F32/F16/BF16 weights; Vole quantizes on load)";
    case QuantMethod::MlxAffine:
      return "MLX affine " + std::to_string(q.bits) + "-bit, group " + std::to_string(q.group_size) +
             (q.mlx_overrides.empty() ? "" : ", " + std::to_string(q.mlx_overrides.size()) + " per-module overrides");
    case QuantMethod::Gptq:
      return "GPTQ 4-bit, group " + (q.group_size == -1 ? std::string("per column") : std::to_string(q.group_size)) +
             (q.sym ? ", symmetric" : ", asymmetric") + (q.gptq_v2 ? ", gptq_v2 zeros" : "");
  }
  return "?";
}

std::string dtype_label(const PlannedTensor& t) {
  std::string s = dtype_name(t.dtype);
  if (t.dtype == DType::Q4) s += " g" + std::to_string(t.group_size);
  return s;
}

// Bytes the plan would hand over when matrices are asked for in `f` (others as stored).
uint64_t plan_bytes(ModelFolder& folder, const Selection& sel, Format f, int group) {
  LoadOptions o;
  o.selection = sel;
  o.matrices = f;
  o.others = Format::Source;
  o.group_size = group;
  o.cache = CachePolicy::Off;
  return WeightLoader(folder, o).plan().output_bytes();
}

int run_info(Args& args) {
  std::string dir = args.require({"-m", "--model"});
  auto format = parse_format(args.get_or({"--format"}, "q4"));
  int group = static_cast<int>(args.get_int({"--group"}, kQ4DefaultGroup, 1, 1 << 20));
  bool vision = args.flag("--vision"), mtp = args.flag("--mtp"), list = args.flag("--tensors");
  args.finish();
  require(format.has_value(), "--format must be source, f32, f16 or q4");

  ModelFolder folder(dir, arch::families());
  const ModelConfig& c = folder.config();
  const Family& family = *c.family;
  Checkpoint& ck = folder.checkpoint();
  std::printf("model       %s\n", folder.dir().c_str());
  std::printf("arch        %s (%s)\n", std::string(family.name()).c_str(),
              c.architecture.empty() ? c.model_type.c_str() : c.architecture.c_str());
  std::printf("weights     %s, %s on disk\n",
              ck.sharded() ? (std::to_string(ck.sources().size() - 1) + " shards + index").c_str() : "model.safetensors",
              human_bytes(static_cast<double>(ck.total_bytes())).c_str());
  std::printf("quantized   %s\n", quant_line(c.quant).c_str());
  for (const auto& [label, value] : c.typed->summary()) std::printf("%-11s %s\n", label.c_str(), value.c_str());
  // Parameter counts from the config; a part the checkpoint lacks (MLX drops mtp.*) is marked.
  auto all = family.tensors(c, Selection::everything());
  std::map<std::string, bool> present;
  for (const auto& n : ck.names()) present[family.part_of_stored(n)] = true;
  std::string params;
  uint64_t total = 0;
  for (const auto& part : family.parts()) {
    uint64_t n = params_of(all, part.name);
    if (!n) continue;
    total += n;
    params += part.name + " " + human_count(static_cast<double>(n)) + (present[part.name] ? "" : " (not in checkpoint)") +
              ", ";
  }
  std::printf("params      %stotal %s\n", params.c_str(), human_count(static_cast<double>(total)).c_str());
  std::printf("tokenizer   tokenizer.json %s, tokenizer_config.json %s, chat_template.jinja %s\n",
              folder.tokenizer_json() ? "yes" : "no", folder.tokenizer_config_json() ? "yes" : "no",
              folder.chat_template_jinja() ? "yes" : "no");
  if (folder.has_generation_config()) {
    const auto& g = folder.generation();
    std::string s = "eos " + ids(g.eos_token_ids);
    if (g.temperature) s += ", temperature " + std::to_string(*g.temperature).substr(0, 4);
    if (g.top_k) s += ", top_k " + std::to_string(*g.top_k);
    if (g.top_p) s += ", top_p " + std::to_string(*g.top_p).substr(0, 4);
    std::printf("generation  %s\n", s.c_str());
  }

  Selection sel;
  if (vision) sel.parts.push_back("vision");
  if (mtp) sel.parts.push_back("mtp");
  LoadOptions o;
  o.selection = sel;
  o.matrices = *format;
  o.group_size = group;
  WeightLoader loader(folder, o);
  const LoadPlan& plan = loader.plan();
  std::map<std::string, std::pair<size_t, uint64_t>> by_dtype;
  uint64_t read = 0;
  for (const auto& p : plan.tensors) {
    auto& e = by_dtype[dtype_label(p)];
    ++e.first;
    e.second += p.data_bytes() + p.scale_bytes();
    read += p.source_bytes;
  }
  std::map<std::string, size_t> skipped;
  for (const auto& s : plan.skipped) ++skipped[family.part_of(s)];
  std::string skip_text;
  for (const auto& [g, n] : skipped) skip_text += (skip_text.empty() ? "" : ", ") + std::to_string(n) + " " + g;
  std::printf("\nload plan   %zu tensors (matrices as %s), reads %s of the checkpoint%s%s\n", plan.tensors.size(),
              format_name(*format), human_bytes(static_cast<double>(read)).c_str(),
              skip_text.empty() ? "" : "; skips ", skip_text.c_str());
  if (plan.lm_head_tied) std::printf("            lm_head tied to embed_tokens (none loaded)\n");
  if (plan.naming == Naming::Mlx) std::printf("            MLX checkpoint: names, conv1d layout%s restored to Hugging Face's\n",
                                              plan.mlx_norms_shifted ? ", norm weights (1 + w)" : "");
  for (const auto& [d, e] : by_dtype)
    std::printf("  %-10s %4zu tensors  %s\n", d.c_str(), e.first, human_bytes(static_cast<double>(e.second)).c_str());
  if (!plan.unused.empty()) std::printf("  unused     %zu checkpoint tensors (e.g. %s)\n", plan.unused.size(), plan.unused[0].c_str());
  if (list)
    for (const auto& p : plan.tensors)
      std::printf("    %-70s %-18s %-10s %s\n", p.spec.name.c_str(), shape_to_string(p.spec.shape).c_str(),
                  dtype_label(p).c_str(), p.rule.c_str());

  std::printf("device      weights as f32 %s, f16 %s, int4 %s\n",
              human_bytes(static_cast<double>(plan_bytes(folder, sel, Format::F32, group))).c_str(),
              human_bytes(static_cast<double>(plan_bytes(folder, sel, Format::F16, group))).c_str(),
              human_bytes(static_cast<double>(plan_bytes(folder, sel, Format::Q4, group))).c_str());
  auto cache_path = loader.cache_path();
  std::string status;
  auto reader = CacheReader::open(cache_path, folder.weight_sources(), status);
  std::printf("cache       %s (%s%s)\n", cache_path.c_str(), status.c_str(),
              reader ? (", " + human_bytes(static_cast<double>(std::filesystem::file_size(cache_path)))).c_str() : "");
  return 0;
}

}  // namespace

VOLE_COMMAND("info", "-m DIR [--format q4|f16|f32|source] [--group N] [--vision] [--mtp] [--tensors]  describe a model folder",
             run_info);

}  // namespace vole::cli
