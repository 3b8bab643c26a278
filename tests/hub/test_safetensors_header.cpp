// The strict safetensors header parser used for range planning, and subset layouts.
#include <gtest/gtest.h>

#include "arch/families.h"
#include "support/hub_fixtures.h"
#include "hub/failure.h"
#include "hub/features.h"
#include "hub/safetensors_header.h"

using namespace vole::hub;
using namespace vole::test;
using json = nlohmann::json;

namespace {

// The part a stored tensor name belongs to, as the model families declare it.
std::string feature_of_tensor(std::string_view name) {
  std::string part = vole::hub::classify_parts(vole::arch::families())(name);
  return part.empty() ? vole::hub::kCoreFeature : part;
}
bool tensor_needed(std::string_view name, const vole::hub::FeatureSet& f) {
  return vole::hub::tensor_needed(name, f, vole::hub::classify_parts(vole::arch::families()));
}

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Parses a header given as JSON text, inside a file of `file_size` bytes (default: exact).
SafetensorsHeader parse_json(const std::string& text, uint64_t data_size) {
  return parse_header(bytes(text), 8 + text.size() + data_size, "test.safetensors");
}

std::string error_of(const std::string& text, uint64_t data_size) {
  try {
    parse_json(text, data_size);
  } catch (const HubError& e) {
    EXPECT_EQ(e.failure(), Failure::Integrity);
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(SafetensorsHeader, ParsesAValidFile) {
  std::mt19937_64 rng(1);
  std::vector<FixtureTensor> ts = {random_tensor("b", "F32", {2, 3}, rng), random_tensor("a", "BF16", {4}, rng),
                                   random_tensor("empty", "F32", {0, 5}, rng)};
  std::string file = make_safetensors(ts, {{"format", "pt"}});
  SafetensorsHeader h = parse_header_prefix(bytes(file), file.size(), "x");
  ASSERT_EQ(h.tensors.size(), 3u);
  EXPECT_EQ(h.tensors[0].name, "b");  // ordered by offset, not by name
  EXPECT_EQ(h.tensors[0].bytes(), 24u);
  EXPECT_EQ(h.tensors[1].name, "a");
  EXPECT_EQ(h.tensors[1].begin, 24u);
  EXPECT_EQ(h.data_size(), 32u);
  EXPECT_EQ(h.data_offset() + h.data_size(), file.size());
  EXPECT_EQ(h.metadata["format"], "pt");
}

TEST(SafetensorsHeader, RejectsHostileHeaders) {
  auto t = [](const std::string& name, const std::string& dtype, const std::string& shape, uint64_t b, uint64_t e) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
           std::to_string(b) + "," + std::to_string(e) + "]}";
  };
  EXPECT_NE(error_of("{" + t("a", "F32", "[2]", 0, 8) + "}", 4).find("past the data section"), std::string::npos);
  EXPECT_NE(error_of("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 4, 12) + "}", 12).find("overlap"),
            std::string::npos);
  EXPECT_NE(error_of("{" + t("a", "F32", "[3]", 0, 8) + "}", 8).find("bytes of data for"), std::string::npos);
  EXPECT_NE(error_of("{" + t("a", "Q9", "[2]", 0, 8) + "}", 8).find("unknown dtype"), std::string::npos);
  EXPECT_NE(error_of("{" + t("a", "F32", "[4294967296,4294967296,4294967296]", 0, 8) + "}", 8).find("overflow"),
            std::string::npos);
  EXPECT_NE(error_of("{" + t("a", "F32", "[-1]", 0, 8) + "}", 8).find("non-negative"), std::string::npos);
  EXPECT_NE(error_of("{" + t("a", "F32", "[2]", 8, 0) + "}", 8).find("end before begin"), std::string::npos);
  EXPECT_NE(error_of("{" + t("a", "F32", "[2]", 0, 8) + "," + t("a", "F32", "[2]", 0, 8) + "}", 8).find("twice"),
            std::string::npos);
  EXPECT_NE(error_of("{\"__metadata__\":{\"k\":1}}", 0).find("not a string"), std::string::npos);
  EXPECT_NE(error_of("{\"a\":{\"dtype\":\"F32\"}}", 0).find("has no shape"), std::string::npos);
  EXPECT_NE(error_of("{\"a\":", 0).find("malformed JSON"), std::string::npos);
  EXPECT_NE(error_of("[1,2]", 0).find("start with '{'"), std::string::npos);
  EXPECT_NE(error_of("{" + t("a", "F4", "[3]", 0, 2) + "}", 2).find("whole bytes"), std::string::npos);
}

TEST(SafetensorsHeader, LengthPrefixIsBounded) {
  std::string len(8, '\0');
  len[0] = 100;
  EXPECT_THROW(read_header_length(bytes(len), 50, "x"), HubError);  // runs past the file
  EXPECT_EQ(read_header_length(bytes(len), 108, "x"), 100u);
  std::string huge(8, '\xff');
  EXPECT_THROW(read_header_length(bytes(huge), ~0ull, "x"), HubError);  // over the 100 MB limit
  EXPECT_THROW(read_header_length(bytes(len.substr(0, 4)), 108, "x"), HubError);
}

TEST(SafetensorsHeader, SubsetLayoutIsPackedAndValid) {
  std::mt19937_64 rng(2);
  std::vector<FixtureTensor> ts = {random_tensor("model.language_model.a", "F32", {3}, rng),
                                   random_tensor("model.visual.b", "BF16", {5}, rng),
                                   random_tensor("model.language_model.c", "U8", {7}, rng)};
  std::string file = make_safetensors(ts, {{"format", "pt"}});
  SafetensorsHeader src = parse_header_prefix(bytes(file), file.size(), "x");
  SubsetLayout sub = layout_subset(src, [](const TensorEntry& t) { return tensor_needed(t.name, FeatureSet::text()); });
  ASSERT_EQ(sub.tensors.size(), 2u);
  EXPECT_EQ(sub.header.size() % 8, 0u);
  EXPECT_EQ(sub.tensors[0].begin, 0u);
  EXPECT_EQ(sub.tensors[1].begin, 12u);
  EXPECT_EQ(sub.file_size(), sub.header.size() + 19);
  // Assemble the file from the layout and read it back with the independent reader.
  std::string out = sub.header;
  for (size_t i = 0; i < sub.tensors.size(); ++i) {
    const auto& s = src.tensors[sub.source_index[i]];
    out += file.substr(src.data_offset() + s.begin, s.bytes());
  }
  ParsedSafetensors p = read_safetensors(out);
  EXPECT_EQ(p.data.size(), 2u);
  EXPECT_EQ(p.data["model.language_model.c"], ts[2].data);
  EXPECT_EQ(p.metadata["format"], "pt");
  EXPECT_NO_THROW(parse_header_prefix(bytes(out), out.size(), "rebuilt"));
}

TEST(Features, TensorNamesMapToFeatures) {
  EXPECT_EQ(feature_of_tensor("model.language_model.layers.0.mlp.up_proj.weight"), kCoreFeature);
  EXPECT_EQ(feature_of_tensor("model.visual.blocks.0.attn.qkv.weight"), kVisionFeature);
  EXPECT_EQ(feature_of_tensor("vision_tower.blocks.0.attn.qkv.weight"), kVisionFeature);  // mlx-vlm layout
  EXPECT_EQ(feature_of_tensor("mtp.layers.0.mlp.up_proj.weight"), kMtpFeature);
  EXPECT_EQ(feature_of_tensor("lm_head.weight"), kCoreFeature);
  EXPECT_FALSE(tensor_needed("mtp.fc.weight", FeatureSet::text_and_vision()));
  EXPECT_TRUE(tensor_needed("model.norm.weight", FeatureSet::text()));
  EXPECT_EQ(FeatureSet::from_names({"vision"}), FeatureSet::text_and_vision());  // text is implied
  EXPECT_EQ(FeatureSet::text_and_vision().to_string(), "text+vision");
  EXPECT_EQ(FeatureSet::from_names({"audio_encoder"}).to_string(), "text+audio_encoder");  // any part name
  EXPECT_THROW(FeatureSet::from_names({"Vision!"}), HubError);
  EXPECT_THROW(FeatureSet::from_names({""}), HubError);
}
