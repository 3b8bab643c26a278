#pragma once
// Features a model download can include: the family's core part ("text" for a language
// model) always, plus optional parts by name ("vision", "mtp", ...). Which checkpoint
// tensors belong to which part is the model families' knowledge (model::Family::parts()):
// a tensor is optional when a family declares it part of an optional part, in any of
// the layouts it reads (HF or MLX names), so the plan needs no config.json first.
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/family.h"

namespace vole::hub {

inline constexpr const char* kCoreFeature = "text";  // how manifests name the core part
inline constexpr const char* kVisionFeature = "vision";
inline constexpr const char* kMtpFeature = "mtp";

class FeatureSet {
 public:
  FeatureSet() = default;
  static FeatureSet text() { return {}; }
  static FeatureSet text_and_vision() { return FeatureSet().with(kVisionFeature); }

  FeatureSet with(const std::string& part) const;
  bool has(std::string_view part) const;  // the core part always
  bool contains(const FeatureSet& other) const;
  FeatureSet operator|(const FeatureSet& other) const;
  bool operator==(const FeatureSet&) const = default;

  std::vector<std::string> names() const;  // {"text", "vision"}
  std::string to_string() const;           // "text+vision"
  // Parses part names (lowercase letters, digits, '_'); throws HubError(InvalidInput) on others.
  static FeatureSet from_names(const std::vector<std::string>& names);

 private:
  std::set<std::string> optional_;
};

// The optional part a stored tensor belongs to ("" for the core part).
using PartClassifier = std::function<std::string(std::string_view stored_name)>;

// The classifier of the families' declared parts.
PartClassifier classify_parts(const model::FamilyTable& families);

inline bool tensor_needed(std::string_view stored_name, const FeatureSet& features, const PartClassifier& part_of) {
  std::string part = part_of ? part_of(stored_name) : std::string();
  return part.empty() || features.has(part);
}

}  // namespace vole::hub
