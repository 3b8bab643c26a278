#include "model/checkpoint_map.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "util/error.h"

namespace vole::model {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
std::string strip_suffix(const std::string& s, const std::string& suffix) {
  return s.substr(0, s.size() - suffix.size());
}

struct Context {
  Checkpoint& ck;
  const ModelConfig& config;
  std::string dir;
  std::unordered_map<std::string, std::string> source_of;  // canonical -> checkpoint name
  std::set<std::string> consumed;                          // canonical names used

  bool has(const std::string& canonical) const { return source_of.count(canonical) != 0; }
  TensorRef take(const std::string& canonical) {
    consumed.insert(canonical);
    return ck.find(source_of.at(canonical));
  }
  [[noreturn]] void bad(const std::string& tensor, const std::string& what) const {
    fail(ErrorCode::InvalidFile, dir + ": tensor \"" + tensor + "\" " + what);
  }
};

bool is_float(StDType t) { return t == StDType::F32 || t == StDType::F16 || t == StDType::BF16; }
bool is_int32(StDType t) { return t == StDType::I32 || t == StDType::U32; }

std::string describe(const TensorRef& r) {
  return std::string(st_dtype_name(r.entry->dtype)) + " " + shape_to_string(r.entry->shape);
}

void mismatch(const Context& cx, const TensorSpec& spec, const std::vector<int64_t>& actual, const char* how) {
  cx.bad(spec.name, std::string("has shape ") + shape_to_string(actual) + how + " but config.json implies " +
                        shape_to_string(spec.shape));
}

void plain_tensor(Context& cx, SourceTensor& st, bool mlx_norms_shifted) {
  const TensorSpec& spec = st.spec;
  st.encoding = Encoding::Plain;
  st.data = cx.take(spec.name);
  st.source_name = st.data.entry->name;
  st.dtype = st.data.entry->dtype;
  if (!is_float(st.dtype))
    fail(ErrorCode::Unsupported, cx.dir + ": tensor \"" + spec.name + "\" has dtype " + st_dtype_name(st.dtype) +
                                     "; Vole reads F32, F16 and BF16 weights");
  const auto& actual = st.data.entry->shape;
  if (actual != spec.shape) {
    const auto& e = spec.shape;
    bool mlx_conv = spec.role == TensorRole::Conv1d && actual.size() == 3 && actual[0] == e[0] && actual[1] == e[2] &&
                    actual[2] == 1;
    bool mlx_patch = spec.role == TensorRole::PatchEmbed && actual.size() == 5 && actual[0] == e[0] &&
                     actual[1] == e[2] && actual[2] == e[3] && actual[3] == e[4] && actual[4] == e[1];
    if (mlx_conv) {
      // Same bytes; only the shape differs.
    } else if (mlx_patch) {
      st.fixup = Fixup::MlxPatchEmbed;
    } else {
      mismatch(cx, spec, actual, "");
    }
  }
  if (mlx_norms_shifted && spec.role == TensorRole::RmsNormZeroCentred) st.fixup = Fixup::MinusOne;
}

void mlx_tensor(Context& cx, SourceTensor& st, const std::string& stem) {
  const TensorSpec& spec = st.spec;
  st.encoding = Encoding::MlxAffine;
  st.data = cx.take(spec.name);
  st.scales = cx.take(stem + ".scales");
  if (!cx.has(stem + ".biases")) cx.bad(spec.name, "has MLX scales but no \"" + stem + ".biases\"");
  st.biases = cx.take(stem + ".biases");
  st.source_name = st.data.entry->name;
  const TensorEntry& w = *st.data.entry;
  const TensorEntry& s = *st.scales.entry;
  const TensorEntry& b = *st.biases.entry;
  if (!is_int32(w.dtype) || w.shape.size() != 2)
    cx.bad(spec.name,
           "is MLX-quantized but its packed weight is " + describe(st.data) + " (expected U32 [rows, cols*bits/32])");
  if (!is_float(s.dtype) || s.dtype != b.dtype || s.shape.size() != 2 || s.shape != b.shape)
    cx.bad(spec.name, "has MLX scales " + describe(st.scales) + " and biases " + describe(st.biases) +
                          " (expected two float tensors of the same shape)");
  st.dtype = s.dtype;
  // Per-module override (keyed by the MLX module path), else the global parameters.
  const auto& q = cx.config.quant;
  st.bits = q.bits;
  st.group_size = q.group_size;
  std::string path = strip_suffix(st.source_name, ".weight");
  if (auto it = q.mlx_overrides.find(path); it != q.mlx_overrides.end() && it->second.quantized) {
    st.bits = it->second.bits;
    st.group_size = it->second.group_size;
  }
  if (st.bits <= 0 || st.group_size <= 0) cx.bad(spec.name, "has MLX scales but config.json gives no bits/group_size");
  int64_t rows = w.shape[0];
  int64_t cols = w.shape[1] * 32 / st.bits;
  if (s.shape[0] != rows || s.shape[1] * st.group_size != cols)
    cx.bad(spec.name, "MLX parts disagree: packed weight " + describe(st.data) + " holds " + std::to_string(cols) +
                          " " + std::to_string(st.bits) + "-bit columns, but scales " + describe(st.scales) +
                          " with group_size " + std::to_string(st.group_size) + " cover " +
                          std::to_string(s.shape[1] * st.group_size));
  std::vector<int64_t> logical{rows, cols};
  if (logical != spec.shape) mismatch(cx, spec, logical, " (MLX, unpacked)");
}

void gptq_tensor(Context& cx, SourceTensor& st, const std::string& stem) {
  const TensorSpec& spec = st.spec;
  const auto& q = cx.config.quant;
  st.encoding = Encoding::Gptq;
  st.data = cx.take(stem + ".qweight");
  st.source_name = st.data.entry->name;
  for (const char* part : {".qzeros", ".scales"})
    if (!cx.has(stem + part)) cx.bad(spec.name, std::string("has a GPTQ qweight but no ") + part);
  st.zeros = cx.take(stem + ".qzeros");
  st.scales = cx.take(stem + ".scales");
  if (cx.has(stem + ".g_idx")) st.g_idx = cx.take(stem + ".g_idx");
  const TensorEntry& w = *st.data.entry;
  const TensorEntry& z = *st.zeros.entry;
  const TensorEntry& s = *st.scales.entry;
  if (!is_int32(w.dtype) || w.shape.size() != 2)
    cx.bad(spec.name, "has GPTQ qweight " + describe(st.data) + " (expected I32 [in/8, out])");
  int64_t k = w.shape[0] * 8, n = w.shape[1];
  std::vector<int64_t> logical{n, k};
  if (logical != spec.shape) mismatch(cx, spec, logical, " (GPTQ, unpacked)");
  st.bits = 4;
  st.group_size = q.group_size == -1 ? static_cast<int>(k) : q.group_size;
  if (k % st.group_size != 0 || n % 8 != 0)
    cx.bad(spec.name, "GPTQ group_size " + std::to_string(st.group_size) + " does not divide its input dimension " +
                          std::to_string(k) + " (or its output dimension is not a multiple of 8)");
  int64_t groups = k / st.group_size;
  if (!is_int32(z.dtype) || z.shape != std::vector<int64_t>{groups, n / 8})
    cx.bad(spec.name, "has GPTQ qzeros " + describe(st.zeros) + ", expected I32 " + shape_to_string({groups, n / 8}));
  if (!is_float(s.dtype) || s.shape != std::vector<int64_t>{groups, n})
    cx.bad(spec.name, "has GPTQ scales " + describe(st.scales) + ", expected F16 " + shape_to_string({groups, n}));
  st.dtype = s.dtype;
  if (st.g_idx.entry) {
    const TensorEntry& g = *st.g_idx.entry;
    if (!is_int32(g.dtype) || g.shape != std::vector<int64_t>{k})
      cx.bad(spec.name, "has GPTQ g_idx " + describe(st.g_idx) + ", expected I32 " + shape_to_string({k}));
    auto bytes = st.g_idx.bytes();
    for (int64_t i = 0; i < k; ++i) {
      int32_t v;
      std::memcpy(&v, bytes.data() + 4 * i, 4);
      if (v != i / st.group_size)
        fail(ErrorCode::Unsupported, cx.dir + ": tensor \"" + spec.name + "\" uses GPTQ act-order (g_idx[" +
                                         std::to_string(i) + "] = " + std::to_string(v) +
                                         "); only desc_act=false exports are supported");
    }
  }
}

}  // namespace

const char* encoding_name(Encoding e) {
  switch (e) {
    case Encoding::Plain:
      return "plain";
    case Encoding::MlxAffine:
      return "mlx-affine";
    case Encoding::Gptq:
      return "gptq";
  }
  return "?";
}

uint64_t SourceTensor::source_bytes() const {
  uint64_t n = 0;
  for (const TensorRef* r : {&data, &scales, &biases, &zeros, &g_idx})
    if (r->entry) n += r->entry->nbytes();
  return n;
}

const SourceTensor* CheckpointMap::find(const std::string& name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &tensors[it->second];
}

CheckpointNames checkpoint_names(Checkpoint& ck, const ModelConfig& config) {
  CheckpointNames names{ck, config.quant.method == QuantMethod::MlxAffine};
  for (const auto& n : ck.names()) {
    if (names.mlx) break;
    // An MLX conversion renames at least one tensor away from the HF layout.
    for (const auto& r : config.family->mlx_renames())
      if (n.starts_with(r.source)) names.mlx = true;
  }
  return names;
}

CheckpointMap map_checkpoint(Checkpoint& ck, const ModelConfig& config, const Selection& selection) {
  CheckpointMap cat;
  Context cx{ck, config, ck.dir().string(), {}, {}};
  const Family& family = *config.family;
  CheckpointNames names = checkpoint_names(ck, config);
  cat.naming = names.mlx ? Naming::Mlx : Naming::HuggingFace;
  for (const auto& n : ck.names()) {
    std::string c = family.canonical_name(n, names);
    auto [it, inserted] = cx.source_of.emplace(c, n);
    if (!inserted)
      fail(ErrorCode::InvalidFile,
           cx.dir + ": checkpoint tensors \"" + it->second + "\" and \"" + n + "\" both name \"" + c + "\"");
  }
  cat.mlx_norms_shifted = names.mlx && family.mlx_norms_shifted(names, selection);

  std::vector<TensorSpec> declared = family.tensors(config, selection);
  bool has_embedding = false, has_head = false;
  for (const auto& s : declared) {
    has_embedding |= s.role == TensorRole::Embedding;
    has_head |= s.role == TensorRole::LmHead;
  }
  cat.lm_head_tied = has_embedding && !has_head;
  for (auto& spec : declared) {
    if (!selection.wants_name(spec.name)) continue;
    SourceTensor st;
    st.spec = spec;
    std::string stem = ends_with(spec.name, ".weight") ? strip_suffix(spec.name, ".weight") : spec.name;
    bool is_weight = stem != spec.name;
    if (config.quant.method == QuantMethod::Gptq && is_weight && cx.has(stem + ".qweight")) {
      gptq_tensor(cx, st, stem);
    } else if (config.quant.method == QuantMethod::MlxAffine && is_weight && cx.has(stem + ".scales") &&
               cx.has(spec.name)) {
      mlx_tensor(cx, st, stem);
    } else if (cx.has(spec.name)) {
      plain_tensor(cx, st, cat.mlx_norms_shifted);
    } else {
      fail(ErrorCode::NotFound, cx.dir + ": checkpoint lacks tensor \"" + spec.name + "\" (" +
                                    tensor_role_name(spec.role) + " " + shape_to_string(spec.shape) +
                                    ", required by config.json)");
    }
    cat.index.emplace(spec.name, cat.tensors.size());
    cat.tensors.push_back(std::move(st));
  }
  std::vector<TensorPart> parts = family.parts();
  auto selected = [&](const std::string& canonical) {
    std::string part = family.part_of(canonical);
    for (const auto& p : parts)
      if (p.name == part) return selection.wants_part(p) && selection.wants_name(canonical);
    return false;
  };
  for (const auto& [canonical, source] : cx.source_of) {
    if (cx.consumed.count(canonical)) continue;
    if (!selected(canonical)) {
      cat.skipped.push_back(canonical);
    } else if (family.ignorable(canonical, config) || !selection.prefixes.empty()) {
      cat.unused.push_back(canonical);
    } else {
      std::string also = source == canonical ? "" : " (stored as \"" + source + "\")";
      fail(ErrorCode::InvalidFile, cx.dir + ": checkpoint tensor \"" + canonical + "\"" + also +
                                       " is not used by the " + std::string(family.name()) +
                                       " model its config.json describes (a different architecture or a config "
                                       "that does not match the weights?)");
    }
  }
  std::sort(cat.unused.begin(), cat.unused.end());
  std::sort(cat.skipped.begin(), cat.skipped.end());
  return cat;
}

}  // namespace vole::model
