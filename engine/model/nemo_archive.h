#pragma once
// NeMo model archives (`.nemo`): a tar holding `model_config.yaml` and
// `model_weights.ckpt` (a PyTorch zip checkpoint), read in place from one memory map —
// nothing is extracted. Used for the NanoCodec audio codec (docs/specs/kani-tts.md §6).
#include <filesystem>
#include <memory>
#include <string>

#include "model/pytorch_zip.h"
#include "model/tar_reader.h"

namespace vole::model {

class NemoArchive {
 public:
  // `path`: a .nemo file, or a folder holding exactly one .nemo file.
  explicit NemoArchive(const fs::path& path);

  const fs::path& path() const { return archive_->path(); }
  const std::string& config_yaml() const { return config_; }  // model_config.yaml, verbatim
  const TorchCheckpoint& weights() const { return *weights_; }

  // The .nemo file `path` names (itself, or the single .nemo in a folder).
  static fs::path locate(const fs::path& path);

 private:
  std::unique_ptr<TarArchive> archive_;
  std::string config_;
  std::unique_ptr<TorchCheckpoint> weights_;
};

}  // namespace vole::model
