#include "model/model_folder.h"

#include "util/error.h"
#include "util/file.h"
#include "util/user_files.h"

namespace vole::model {

namespace {

std::filesystem::path require_dir(const std::filesystem::path& dir) {
  std::string what = describe_path(dir);
  if (what == "missing") fail(ErrorCode::NotFound, "model folder " + dir.string() + " does not exist");
  if (what != "a folder") fail(ErrorCode::InvalidArgument, dir.string() + " is not a model folder: it is " + what);
  std::string config = describe_path(dir / "config.json");
  if (config == "missing") fail(ErrorCode::NotFound, "model folder " + dir.string() + " has no config.json");
  if (config != "a regular file")
    fail(ErrorCode::InvalidFile, "model folder " + dir.string() + ": config.json is " + config + ", not a file");
  return dir;
}

std::optional<std::filesystem::path> if_present(const std::filesystem::path& p) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(p, ec)) return p;
  return std::nullopt;
}

}  // namespace

ModelFolder::ModelFolder(const std::filesystem::path& dir, const FamilyTable& families)
    : dir_(require_dir(dir)), config_(load_model_config(dir / "config.json", families)), checkpoint_(dir) {
  if (auto g = if_present(dir / "generation_config.json")) {
    generation_ = load_generation_config(*g);
    has_generation_ = true;
  }
  tokenizer_json_ = if_present(dir / "tokenizer.json");
  tokenizer_config_ = if_present(dir / "tokenizer_config.json");
  chat_template_ = if_present(dir / "chat_template.jinja");
}

std::vector<SourceFile> ModelFolder::weight_sources() const {
  std::vector<SourceFile> s{stat_source_file(dir_, "config.json")};
  const auto& ck = checkpoint_.sources();
  s.insert(s.end(), ck.begin(), ck.end());
  return s;
}

}  // namespace vole::model
