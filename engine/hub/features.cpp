#include "hub/features.h"

#include "hub/failure.h"

namespace vole::hub {

namespace {
bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> prefixes) {
  for (auto p : prefixes)
    if (s.starts_with(p)) return true;
  return false;
}
}  // namespace

Feature feature_of_tensor(std::string_view name) {
  // Qwen3.5 HF layout: model.visual.*, mtp.*; mlx-vlm conversions: vision_tower.*,
  // language_model.*; some wrappers nest the whole model once more.
  if (starts_with_any(name, {"model.visual.", "visual.", "vision_tower.", "model.vision_tower.",
                             "vision_model.", "model.vision_model."}))
    return Feature::Vision;
  if (starts_with_any(name, {"mtp.", "model.mtp.", "language_model.mtp."})) return Feature::Mtp;
  return Feature::Text;
}

std::vector<std::string> FeatureSet::names() const {
  std::vector<std::string> out{"text"};
  if (has(Feature::Vision)) out.push_back("vision");
  if (has(Feature::Mtp)) out.push_back("mtp");
  return out;
}

std::string FeatureSet::to_string() const {
  std::string out;
  for (auto& n : names()) out += (out.empty() ? "" : "+") + n;
  return out;
}

FeatureSet FeatureSet::from_names(const std::vector<std::string>& names) {
  FeatureSet set;
  for (auto& n : names) {
    if (n == "text") continue;
    if (n == "vision") set = set.with(Feature::Vision);
    else if (n == "mtp") set = set.with(Feature::Mtp);
    else fail_hub(Failure::InvalidInput, "unknown model feature '" + n + "' (expected text, vision or mtp)");
  }
  return set;
}

}  // namespace vole::hub
