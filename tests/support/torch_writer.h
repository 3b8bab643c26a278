#pragma once
// Writes PyTorch zip checkpoints and NeMo `.nemo` archives byte for byte the way
// `torch.save` and NeMo do (no Python): a protocol-2 pickle of an OrderedDict state dict
// with `_rebuild_tensor_v2` views of typed storages and a `_metadata` BUILD, stored zip
// entries under `<stem>/` (data.pkl, byteorder, data/<key>, version,
// .data/serialization_id), and a ustar tar of `./model_config.yaml` +
// `./model_weights.ckpt`. Tests use it for real-layout fixtures, the phase-2 generator
// for a tiny NanoCodec; `PickleWriter` also builds the hostile pickles of the tests.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "model/safetensors.h"  // StDType

namespace vole::test {

// Opcode-level pickle builder (protocol 2 plus the few protocol-4 opcodes we accept).
class PickleWriter {
 public:
  PickleWriter& proto(uint8_t version = 2);
  PickleWriter& op(uint8_t opcode);  // any single-byte opcode, e.g. '(' MARK, 't' TUPLE
  PickleWriter& raw(const std::vector<uint8_t>& bytes);
  PickleWriter& global(const std::string& module, const std::string& name);  // GLOBAL, or BINGET if seen
  PickleWriter& str(const std::string& s);                                   // BINUNICODE
  PickleWriter& integer(int64_t v);  // BININT1 / BININT2 / BININT / LONG1, as pickle picks
  PickleWriter& boolean(bool v);
  PickleWriter& put();                                     // BINPUT / LONG_BINPUT the top of the stack
  PickleWriter& get(uint32_t memo);                        // BINGET / LONG_BINGET
  PickleWriter& empty_ordered_dict();                      // collections.OrderedDict() via REDUCE
  PickleWriter& int_tuple(const std::vector<int64_t>& v);  // ')', TUPLE1..3 or MARK..TUPLE
  PickleWriter& stop();
  const std::vector<uint8_t>& bytes() const { return out_; }
  uint32_t memo_count() const { return memo_; }

 private:
  std::vector<uint8_t> out_;
  uint32_t memo_ = 0;
  std::vector<std::pair<std::string, uint32_t>> globals_;
};

// One storage of a checkpoint: raw little-endian elements.
struct TorchStorageData {
  model::StDType dtype = model::StDType::F32;
  std::vector<uint8_t> bytes;
};

// One state-dict entry: a view of storage `storage` (strides empty = contiguous).
struct TorchTensorData {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  int64_t storage_offset = 0;
  size_t storage = 0;
};

struct TorchStateDict {
  std::vector<TorchStorageData> storages;
  std::vector<TorchTensorData> tensors;
  // Adds a contiguous tensor with its own storage.
  void add(const std::string& name, model::StDType dtype, std::vector<int64_t> shape, std::vector<uint8_t> bytes);
  void add_f32(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values);
};

std::vector<uint8_t> torch_pickle(const TorchStateDict& dict);
// A zip (stored entries) of the given (name, content) pairs, in order.
std::vector<uint8_t> zip_archive(const std::vector<std::pair<std::string, std::vector<uint8_t>>>& entries);
// The complete torch.save zip of `dict`, records under `<stem>/`.
std::vector<uint8_t> torch_zip(const TorchStateDict& dict, const std::string& stem = "archive");

struct TarEntryData {
  std::string name;
  std::vector<uint8_t> content;
  char type = '0';
  bool gnu_long_name = false;  // write an 'L' record before the header (names > 100 bytes)
};
std::vector<uint8_t> tar_archive(const std::vector<TarEntryData>& entries);

void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);
// A .nemo: ./model_config.yaml + ./model_weights.ckpt (stem "model_weights").
void write_nemo(const std::filesystem::path& path, const std::string& config_yaml, const TorchStateDict& weights);

}  // namespace vole::test
