#pragma once
// What the generic loading code (checkpoint mapping, quantization, the weight loader,
// the hub's selective download, `vole info`) needs to know about a model family, as
// one interface. The families themselves live in engine/arch/<family>/, which
// implements this interface (plus the GPU side) and lists every family in one table
// (arch/families.cpp); nothing below engine/arch names a family.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/json_util.h"
#include "model/quant_rules.h"
#include "model/safetensors.h"
#include "model/tensor_specs.h"

namespace vole::model {

struct ModelConfig;

// A family's parsed config.json. Each family derives its own typed config from this;
// generic code sees only these fields.
struct FamilyConfig {
  virtual ~FamilyConfig() = default;
  std::vector<int64_t> eos_token_ids;   // end of generation, from config.json
  int64_t max_position_embeddings = 0;  // 0: no limit from the config
  // `vole info`: the family's dimensions as (label, value) lines, in display order.
  virtual std::vector<std::pair<std::string, std::string>> summary() const = 0;
};

// A rename between a checkpoint layout and Hugging Face's canonical names: a tensor
// whose name starts with `source` is known as `canonical` + the rest.
struct PrefixRename {
  std::string source;
  std::string canonical;
};

// Everything generic code may need to know about one checkpoint's names.
struct CheckpointNames {
  Checkpoint& checkpoint;                         // opening a shard to read a shape is allowed
  bool mlx = false;                               // MLX naming or an MLX quantization block
  const std::vector<std::string>& names() const;  // as stored
  bool any_starts_with(std::string_view prefix) const;
  std::vector<int64_t> shape_of(const std::string& stored_name) const;
};

class Family {
 public:
  virtual ~Family() = default;

  // The family's name as Vole reports it ("qwen3_5").
  virtual std::string_view name() const = 0;
  // Whether config.json's model_type (architecture empty) or architectures[0]
  // (model_type empty) belongs to this family.
  virtual bool reads(std::string_view model_type, std::string_view architecture) const = 0;
  // The model types and classes it reads, for "unsupported model" messages.
  virtual std::string supported() const = 0;
  // Parses config.json (top level) into the family's typed config; errors name the
  // file and field.
  virtual std::shared_ptr<const FamilyConfig> parse_config(const JsonObject& top) const = 0;

  // The parts a checkpoint of this family can hold, in load order. The first part is
  // the family's core (always loaded and downloaded); its prefixes are empty: every
  // tensor no other part claims belongs to it.
  virtual std::vector<TensorPart> parts() const = 0;
  // Every tensor the config requires for the selected parts, by canonical name, in load
  // order. Built by the same declarations the graph builders bind to (engine/arch).
  virtual std::vector<TensorSpec> tensors(const ModelConfig& config, const Selection& selection) const = 0;
  // Which tensors are quantized to Q4 and which stay in higher precision (first match wins).
  virtual std::span<const QuantRule> quant_rules() const = 0;

  // Checkpoint layouts: the canonical (HF) name of a stored tensor name. The default
  // applies `renames()` when the checkpoint uses MLX naming.
  virtual std::string canonical_name(const std::string& source, const CheckpointNames& checkpoint) const;
  // MLX-converter renames ({mlx prefix, HF prefix}); also used in reverse by the
  // test checkpoint generator.
  virtual std::vector<PrefixRename> mlx_renames() const { return {}; }
  // Whether an MLX conversion stored zero-centred norms as 1 + w (the loader subtracts 1).
  virtual bool mlx_norms_shifted(const CheckpointNames& checkpoint, const Selection& selection) const { return false; }
  // Stored tensors that no graph uses and that may be present without being an error
  // (e.g. an lm_head saved although the config ties it to the embedding).
  virtual bool ignorable(const std::string& canonical, const ModelConfig& config) const { return false; }

  // Text the family's chat format ends a turn with (stop tokens besides the eos ids).
  virtual std::vector<std::string> end_of_turn_markers() const { return {}; }

  // The part a canonical tensor name belongs to (the first part whose prefix matches,
  // else the core part).
  std::string part_of(std::string_view canonical_name) const;
  // The part of a tensor as stored in any of the family's layouts (HF or MLX names),
  // without the rest of the checkpoint (what the hub sees in a remote header).
  std::string part_of_stored(std::string_view stored_name) const;
};

// The families Vole knows, resolved from a config.json. The table itself is built by
// engine/arch (arch::families()); tests may add families of their own.
class FamilyTable {
 public:
  void add(const Family& family);
  std::span<const Family* const> all() const { return families_; }
  const Family* find(std::string_view name) const;
  // The family that reads this model_type / architecture; throws Unsupported naming the
  // supported ones (label: the config file).
  const Family& resolve(std::string_view model_type, std::string_view architecture, const std::string& label) const;
  // Reads model_type / architectures from a parsed config.json and resolves them.
  const Family& resolve(const JsonObject& top) const;

 private:
  std::vector<const Family*> families_;
};

}  // namespace vole::model
