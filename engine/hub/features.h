#pragma once
// Features a model download can include, and which checkpoint tensors each needs.
// Text is always present (vision and MTP only make sense on top of the language model).
//   text   : everything that is not vision or MTP
//   vision : the vision tower (model.visual.* in HF checkpoints, vision_tower.* in mlx-vlm ones)
//   mtp    : the multi-token-prediction head (mtp.*), for self-speculative decoding
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vole::hub {

enum class Feature : uint8_t { Text = 1, Vision = 2, Mtp = 4 };

class FeatureSet {
 public:
  FeatureSet() : bits_(static_cast<uint8_t>(Feature::Text)) {}
  static FeatureSet text() { return {}; }
  static FeatureSet text_and_vision() { return FeatureSet().with(Feature::Vision); }

  FeatureSet with(Feature f) const { return FeatureSet(bits_ | static_cast<uint8_t>(f)); }
  bool has(Feature f) const { return bits_ & static_cast<uint8_t>(f); }
  bool contains(FeatureSet other) const { return (bits_ & other.bits_) == other.bits_; }
  FeatureSet operator|(FeatureSet other) const { return FeatureSet(bits_ | other.bits_); }
  bool operator==(const FeatureSet&) const = default;
  uint8_t bits() const { return bits_; }

  std::vector<std::string> names() const;  // {"text", "vision"}
  std::string to_string() const;           // "text+vision"
  // Parses names ("text", "vision", "mtp"); throws HubError(InvalidInput) on others.
  static FeatureSet from_names(const std::vector<std::string>& names);

 private:
  explicit FeatureSet(int bits) : bits_(static_cast<uint8_t>(bits | static_cast<int>(Feature::Text))) {}
  uint8_t bits_;
};

Feature feature_of_tensor(std::string_view tensor_name);
inline bool tensor_needed(std::string_view tensor_name, FeatureSet features) {
  return features.has(feature_of_tensor(tensor_name));
}

}  // namespace vole::hub
