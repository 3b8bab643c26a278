#include "model/nemo_archive.h"

#include "util/error.h"

namespace vole::model {

fs::path NemoArchive::locate(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    if (!fs::exists(path, ec)) fail(ErrorCode::NotFound, path.string() + ": no such file");
    return path;
  }
  fs::path found;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (entry.path().extension() != ".nemo") continue;
    if (!found.empty()) fail(ErrorCode::InvalidArgument, path.string() + ": holds more than one .nemo file; name one");
    found = entry.path();
  }
  if (found.empty()) fail(ErrorCode::NotFound, path.string() + ": holds no .nemo file");
  return found;
}

NemoArchive::NemoArchive(const fs::path& path) : archive_(std::make_unique<TarArchive>(locate(path))) {
  const std::string label = archive_->path().string();
  const TarMember* config = archive_->find("model_config.yaml");
  const TarMember* weights = archive_->find("model_weights.ckpt");
  if (!config || !weights) {
    std::string names;
    for (const auto& m : archive_->members()) names += (names.empty() ? "" : ", ") + m.name;
    fail(ErrorCode::InvalidFile,
         label + ": a .nemo archive needs model_config.yaml and model_weights.ckpt at its top (found: " +
             (names.empty() ? "nothing" : names) + ")");
  }
  auto text = archive_->bytes(*config);
  config_.assign(reinterpret_cast<const char*>(text.data()), text.size());
  weights_ = std::make_unique<TorchCheckpoint>(archive_->bytes(*weights), label + ":model_weights.ckpt");
}

}  // namespace vole::model
