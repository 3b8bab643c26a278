#pragma once
// A pickle reader that rebuilds PyTorch state dicts and nothing else.
//
// Python's pickle is a small stack machine whose REDUCE / BUILD / NEWOBJ opcodes call
// arbitrary importable functions, which is why loading an untrusted `.bin` / `.ckpt`
// with Python runs code. This reader interprets the data opcodes (numbers, strings,
// tuples, lists, dicts, memo) into a plain value graph and resolves a global only if it
// is on a short allow-list of what `torch.save` writes for tensors:
//   collections.OrderedDict                      -> an empty dict
//   torch._utils._rebuild_tensor_v2              -> a tensor view of a storage
//   torch._utils._rebuild_parameter              -> the tensor it wraps
//   torch.{Float,Half,BFloat16,Double,Long,Int,Short,Char,Byte,Bool}Storage
//                                                -> a storage type, inside persistent ids
// Persistent ids must be ('storage', <storage type>, key, location, numel). BUILD is
// accepted only on a dict (the `_metadata` attribute of a state dict; ignored).
// Everything else — any other global (os.system, builtins.eval, ...), REDUCE on anything
// not listed, INST / OBJ / NEWOBJ / EXT, sets, out-of-band buffers, text-protocol
// opcodes, malformed arguments, reference cycles, nesting deeper than the limit,
// oversized strings or integers, truncated input — is an InvalidFile error naming the
// opcode or global and its byte offset. Nothing is ever executed or imported.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "model/safetensors.h"  // StDType

namespace vole::model {

struct TorchStorageRef {
  StDType dtype = StDType::F32;
  std::string key;       // archive entry data/<key>
  std::string location;  // "cpu", "cuda:0", ... (informational)
  int64_t numel = 0;     // elements of dtype
};

struct TorchTensorRef {
  uint32_t storage = 0;        // index into PickleGraph::storages
  int64_t storage_offset = 0;  // in elements
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // in elements
};

struct PickleValue {
  enum class Kind : uint8_t { None, Bool, Int, Float, String, Bytes, Tuple, List, Dict, Global, Storage, Tensor };
  Kind kind = Kind::None;
  int64_t number = 0;           // Bool, Int; Global: which allowed global; Storage/Tensor: index
  double real = 0;              // Float
  std::string text;             // String, Bytes; Global: "module.name"
  std::vector<uint32_t> items;  // Tuple/List: elements; Dict: key, value, key, value, ...
};

struct PickleGraph {
  std::vector<PickleValue> values;
  uint32_t root = 0;
  std::vector<TorchStorageRef> storages;
  std::vector<TorchTensorRef> tensors;
};

struct UnpicklerLimits {
  size_t max_input = 256u << 20;  // bytes of pickle
  size_t max_string = 16u << 20;  // one string or bytes object
  size_t max_values = 16u << 20;  // objects created
  size_t max_depth = 64;          // container nesting of the result
  size_t max_marks = 1024;        // open MARKs
};

PickleGraph unpickle_restricted(std::span<const uint8_t> pickle, const std::string& label,
                                const UnpicklerLimits& limits = {});

// The (name, tensor index) pairs of a state dict: the root dict, or the dict under the
// root's "state_dict" key (Lightning checkpoints). Entries whose value is not a tensor
// are skipped; a repeated name, a non-dict root or a dict without tensors is an error.
std::vector<std::pair<std::string, uint32_t>> state_dict_tensors(const PickleGraph& graph, const std::string& label);

const char* torch_storage_name(StDType dtype);  // "FloatStorage", ...

}  // namespace vole::model
