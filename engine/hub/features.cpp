#include "hub/features.h"

#include "hub/failure.h"

namespace vole::hub {

FeatureSet FeatureSet::with(const std::string& part) const {
  FeatureSet s = *this;
  if (part != kCoreFeature) s.optional_.insert(part);
  return s;
}

bool FeatureSet::has(std::string_view part) const {
  return part == kCoreFeature || optional_.count(std::string(part)) != 0;
}

bool FeatureSet::contains(const FeatureSet& other) const {
  for (const auto& p : other.optional_)
    if (!optional_.count(p)) return false;
  return true;
}

FeatureSet FeatureSet::operator|(const FeatureSet& other) const {
  FeatureSet s = *this;
  s.optional_.insert(other.optional_.begin(), other.optional_.end());
  return s;
}

std::vector<std::string> FeatureSet::names() const {
  std::vector<std::string> out{kCoreFeature};
  out.insert(out.end(), optional_.begin(), optional_.end());
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
    bool ok = !n.empty() && n.size() <= 32;
    for (char c : n) ok &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) fail_hub(Failure::InvalidInput, "'" + n + "' is not a model feature name (e.g. text, vision, mtp)");
    set = set.with(n);
  }
  return set;
}

PartClassifier classify_parts(const model::FamilyTable& families) {
  return [&families](std::string_view name) {
    for (const model::Family* f : families.all()) {
      std::string part = f->part_of_stored(name);
      for (const auto& p : f->parts())
        if (p.name == part && p.optional) return part;
    }
    return std::string();
  };
}

}  // namespace vole::hub
