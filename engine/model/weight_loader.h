#pragma once
// Streams a model's weights to a consumer (the GPU upload), one tensor at a time, in
// the format the consumer asks for, so the whole model is never in host RAM at once.
//
//   ModelFolder folder(dir);
//   WeightLoader loader(folder, {.selection = Selection::core(), .matrices = Format::Q4});
//   loader.load([&](const HostTensor& t, const PlannedTensor& info) { upload(t); });
//
// Each HostTensor points into the checkpoint's memory map, the quantized cache's map,
// or a conversion buffer, and is valid only during the callback. Names, shapes and
// meanings are Hugging Face's whatever the source (see model/checkpoint_map.h). Converted
// tensors are written to a cache (model/weight_cache.h) during the first load and
// mapped from it afterwards.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/checkpoint_map.h"
#include "model/model_folder.h"
#include "model/tensor_specs.h"
#include "util/host_tensor.h"

namespace vole::model {

enum class Format : uint8_t {
  Source,  // as stored: F32/F16/BF16 for plain tensors; Q4 for 4-bit MLX/GPTQ (F16 for other bit widths)
  F32,
  F16,
  Q4,      // Vole's INT4 layout; granted only where the rule table allows (model/quant_rules.h)
           // or where the source is already 4-bit, otherwise the tensor gets `others`
};
const char* format_name(Format f);
std::optional<Format> parse_format(const std::string& s);  // "source", "f32", "f16", "q4"/"int4"

enum class CachePolicy : uint8_t {
  Auto,         // the model folder if writable, else vole::cache_dir()/models/<folder>-<hash>/
  ModelFolder,  // always the model folder
  CacheDir,     // always under vole::cache_dir()
  Off,          // neither read nor write a cache
};

struct LoadOptions {
  Selection selection = Selection::core();
  Format matrices = Format::Q4;      // tensors the rule table marks for quantization
  Format others = Format::Source;    // everything else (norms, conv taps, small projections...)
  int group_size = kQ4DefaultGroup;  // group of on-the-fly Q4 (32, 64 or 128)
  // Optional per-tensor override; return nullopt to use the two defaults above.
  std::function<std::optional<Format>(const TensorSpec&)> format_for;
  CachePolicy cache = CachePolicy::Auto;
  std::filesystem::path cache_file;  // explicit cache location (overrides `cache`)
};

// What the loader will hand over for one tensor, decided before anything is read.
struct PlannedTensor {
  TensorSpec spec;                  // canonical name, HF shape, role, group, layer
  Encoding encoding = Encoding::Plain;
  StDType source_dtype = StDType::F32;  // plain: element type; quantized: scales type
  int source_bits = 0, source_group = 0;
  Fixup fixup = Fixup::None;
  Format requested = Format::Source;
  bool quantizable = false;         // the rule table's verdict for on-the-fly Q4
  std::string rule;                 // why (e.g. "kept: norm weight")
  DType dtype = DType::F32;         // what the visitor receives
  int group_size = 0;               // Q4 output only
  bool data_direct = false;         // data served straight from the checkpoint
  bool scales_direct = true;        // Q4 scales need conversion unless absent
  uint64_t source_bytes = 0;        // bytes read from the checkpoint to produce it
  uint64_t data_bytes() const;      // output data size
  uint64_t scale_bytes() const;     // output Q4 scales size
  bool needs_conversion() const { return !data_direct || !scales_direct; }
};

struct LoadPlan {
  std::vector<PlannedTensor> tensors;
  bool lm_head_tied = false;        // no lm_head.weight: use embed_tokens
  Naming naming = Naming::HuggingFace;
  bool mlx_norms_shifted = false;
  std::vector<std::string> unused;   // checkpoint tensors in the selection that nothing needs
  std::vector<std::string> skipped;  // checkpoint tensors outside the selection (never read)
  const PlannedTensor* find(const std::string& name) const;
  uint64_t output_bytes() const;
};

struct LoadStats {
  double seconds = 0;          // whole load()
  double convert_seconds = 0;  // quantization, repacks, dtype conversion
  double verify_seconds = 0;   // hashing cache parts
  double visit_seconds = 0;    // time spent in the visitor
  size_t tensors = 0, direct = 0, converted = 0, from_cache = 0;
  uint64_t source_bytes_read = 0, cache_bytes_read = 0, bytes_delivered = 0;
  size_t inexact_f16 = 0;      // MLX/GPTQ scales or mins f16 could not hold exactly
  std::filesystem::path cache_path;
  std::string cache_status = "disabled";  // "valid", "absent", "stale: ...", "damaged: ..."
  bool cache_written = false;
  std::string cache_error;     // why the cache could not be written (the load still succeeds)
};

class WeightLoader {
 public:
  // Maps the checkpoint (opening only the shards the selection needs), validates it
  // against the config and decides every tensor's format. Throws vole::Error on a
  // missing tensor, a wrong shape, an unsupported dtype or quantization.
  WeightLoader(ModelFolder& folder, LoadOptions options = {});
  ~WeightLoader();

  const LoadPlan& plan() const { return plan_; }
  const LoadOptions& options() const { return options_; }
  std::filesystem::path cache_path() const;

  using Visitor = std::function<void(const HostTensor& tensor, const PlannedTensor& info)>;
  // Visits every planned tensor once, in plan order. Safe to call again.
  void load(const Visitor& visit);
  const LoadStats& stats() const { return stats_; }

 private:
  struct Buffers;
  ModelFolder& folder_;
  LoadOptions options_;
  CheckpointMap map_;
  LoadPlan plan_;
  LoadStats stats_;
  std::unique_ptr<Buffers> buffers_;
};

// Where the weight cache of `model_dir` lives under `policy` (empty for Off).
std::filesystem::path weight_cache_path(const std::filesystem::path& model_dir, CachePolicy policy);

}  // namespace vole::model
