#pragma once
// PyTorch checkpoints in the zip format `torch.save` writes since PyTorch 1.6
// (`pytorch_model.bin`, `*.pt`, `*.ckpt`, NeMo's `model_weights.ckpt`), read without
// Python and without running anything from the file.
//
// Layout: a zip archive whose entries all sit under one folder `<stem>/`:
// `<stem>/data.pkl` (the pickled state dict), `<stem>/data/<key>` (one entry per
// storage: raw little-endian elements), and small records (`byteorder`, `version`,
// `.data/serialization_id`, ...). The zip layer is libzip (central directory parsed and
// checked for consistency with the local headers, CRC verified on read); the pickle goes
// through `restricted_unpickler.h`, which only rebuilds tensors and plain containers.
// Each tensor is a view (offset, shape, strides) of a typed storage; any non-negative
// strides are honoured (a read gathers the view into row-major order), and every view
// is checked to lie inside its storage, whose entry must have exactly the declared size.
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/safetensors.h"  // StDType
#include "util/file.h"

namespace vole::model {

struct TorchTensor {
  std::string name;
  StDType dtype = StDType::F32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // in elements
  int64_t storage_offset = 0;    // in elements
  uint32_t storage = 0;          // index of its storage in the checkpoint
  uint64_t numel() const;
  uint64_t nbytes() const { return numel() * st_dtype_size(dtype); }
  bool contiguous() const;  // row-major with no gaps
};

// A checkpoint held in memory (a mapped file, or a member of a .nemo tar). `bytes` must
// outlive the object. `label` names it in errors.
class TorchCheckpoint {
 public:
  TorchCheckpoint(std::span<const uint8_t> bytes, std::string label);
  TorchCheckpoint(TorchCheckpoint&&) noexcept;
  TorchCheckpoint& operator=(TorchCheckpoint&&) noexcept;
  ~TorchCheckpoint();

  // True if the bytes start like a zip archive (a legacy pre-1.6 pickle does not).
  static bool looks_like_zip(std::span<const uint8_t> bytes);

  const std::string& label() const;
  const std::string& prefix() const;                // the `<stem>` folder
  const std::vector<TorchTensor>& tensors() const;  // in the state dict's order
  const TorchTensor* find(std::string_view name) const;
  std::vector<std::string> names() const;  // sorted

  // The tensor's elements in row-major order of its shape (strides applied), as the raw
  // little-endian bytes of its dtype: nbytes() bytes. Thread-safe.
  std::vector<uint8_t> read(const TorchTensor& tensor) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A PyTorch zip checkpoint file on disk, memory-mapped read-only.
class TorchCheckpointFile {
 public:
  explicit TorchCheckpointFile(const fs::path& path);
  const TorchCheckpoint& checkpoint() const { return checkpoint_; }

 private:
  MappedFile map_;
  TorchCheckpoint checkpoint_;
};

}  // namespace vole::model
