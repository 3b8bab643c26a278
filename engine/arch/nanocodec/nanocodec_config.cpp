#include <cstring>

#include "arch/nanocodec/nanocodec.h"
#include "util/error.h"

namespace vole::arch {

using model::JsonObject;

int NanoCodecConfig::codebook_size() const {
  int n = 1;
  for (int l : levels) n *= l;
  return n;
}

int NanoCodecConfig::samples_per_frame() const {
  int n = 1;
  for (int r : up_rates) n *= r;
  return n;
}

namespace {

constexpr const char* kDecoder = "audio_decoder.";

std::vector<int> int_list(const JsonObject& o, const char* key, std::vector<int> fallback) {
  if (!o.has(key)) return fallback;
  std::vector<int> out;
  for (int64_t v : o.get_int_list(key)) {
    if (v <= 0 || v > 1 << 16) o.fail_field(key, "has an entry out of range: " + std::to_string(v));
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) o.fail_field(key, "is empty");
  return out;
}

// The weight (v of a weight-normalised conv, or a plain weight) of conv `stem`.
const model::TorchTensor& conv_weight(const model::TorchCheckpoint& w, const std::string& stem) {
  for (const char* suffix : {".parametrizations.weight.original1", ".weight_v", ".weight"})
    if (const auto* t = w.find(stem + suffix)) return *t;
  fail(ErrorCode::InvalidFile, "NanoCodec checkpoint: no weight for " + stem);
}

void expect(bool ok, const std::string& what) {
  if (!ok) fail(ErrorCode::InvalidFile, "NanoCodec: " + what);
}

}  // namespace

NanoCodecConfig parse_nanocodec_config(const JsonObject& yaml, const model::TorchCheckpoint& w) {
  NanoCodecConfig c;
  c.sample_rate = static_cast<int>(yaml.get_int("sample_rate", c.sample_rate));
  if (c.sample_rate <= 0) yaml.fail_field("sample_rate", "must be positive");

  if (yaml.has("vector_quantizer")) {
    JsonObject q = yaml.child("vector_quantizer");
    c.levels = int_list(q, "num_levels_per_group", c.levels);
    c.groups = static_cast<int>(q.get_int("num_groups", c.groups));
    if (c.groups <= 0 || c.groups > 64) q.fail_field("num_groups", "must be 1..64");
  }
  // The buffers of the FSQ groups, when the checkpoint has them, must agree.
  for (int g = 0; g < c.groups; ++g) {
    const auto* t = w.find("vector_quantizer.fsqs." + std::to_string(g) + ".num_levels");
    if (!t || t->dtype != model::StDType::I32 || t->numel() != c.levels.size()) continue;
    auto bytes = w.read(*t);
    for (size_t d = 0; d < c.levels.size(); ++d) {
      int32_t v;
      std::memcpy(&v, bytes.data() + 4 * d, 4);
      expect(v == c.levels[d], "vector_quantizer.fsqs." + std::to_string(g) + ".num_levels disagrees with the config");
    }
  }

  if (!yaml.has("audio_decoder")) yaml.fail_field("audio_decoder", "is missing");
  JsonObject d = yaml.child("audio_decoder");
  const std::string target = d.get_string("_target_", "CausalHiFiGANDecoder");
  if (!target.ends_with("CausalHiFiGANDecoder"))
    fail(ErrorCode::Unsupported, d.label() + ": decoder " + target + " is not supported (CausalHiFiGANDecoder)");
  if (d.get_string("activation", "half_snake") != "half_snake")
    fail(ErrorCode::Unsupported, d.label() + ": activation " + d.get_string("activation") + " is not supported");
  if (d.get_string("output_activation", "clamp") != "clamp")
    fail(ErrorCode::Unsupported,
         d.label() + ": output_activation " + d.get_string("output_activation") + " is not supported (clamp)");
  if (d.get_string("pad_mode", "zero") != "zero")
    fail(ErrorCode::Unsupported, d.label() + ": pad_mode " + d.get_string("pad_mode") + " is not supported (zero)");
  c.up_rates = int_list(d, "up_sample_rates", c.up_rates);
  c.res_kernels = int_list(d, "resblock_kernel_sizes", c.res_kernels);
  c.res_dilations = int_list(d, "resblock_dilation_sizes", c.res_dilations);
  if (d.has("input_dim") && d.get_int("input_dim") != c.latent_dim())
    d.fail_field("input_dim", "is not num_groups x levels (" + std::to_string(c.latent_dim()) + ")");

  // Shapes are the ground truth for what the config leaves implicit.
  const auto& pre = conv_weight(w, std::string(kDecoder) + "pre_conv.conv");
  expect(pre.shape.size() == 3 && pre.shape[1] == c.latent_dim(),
         "pre_conv weight " + model::shape_to_string(pre.shape) + " does not take the " +
             std::to_string(c.latent_dim()) + "-dim latent");
  c.channels = static_cast<int>(pre.shape[0]);
  c.in_kernel = static_cast<int>(pre.shape[2]);
  if (d.has("base_channels") && d.get_int("base_channels") != c.channels)
    d.fail_field("base_channels", "disagrees with pre_conv's weight");
  int ch = c.channels;
  for (size_t i = 0; i < c.up_rates.size(); ++i) {
    const auto& up = conv_weight(w, std::string(kDecoder) + "up_sample_conv_layers." + std::to_string(i) + ".conv");
    expect(ch % 2 == 0 && up.shape == std::vector<int64_t>{ch, 1, 2 * c.up_rates[i]},
           "up_sample_conv_layers." + std::to_string(i) + " weight " + model::shape_to_string(up.shape) +
               " does not match channels " + std::to_string(ch) + " and rate " + std::to_string(c.up_rates[i]));
    ch /= 2;
  }
  expect(!w.find(std::string(kDecoder) + "up_sample_conv_layers." + std::to_string(c.up_rates.size()) +
                 ".conv.parametrizations.weight.original1"),
         "the checkpoint has more up-sampling layers than up_sample_rates");
  const auto& post = conv_weight(w, std::string(kDecoder) + "post_conv.conv");
  expect(
      post.shape.size() == 3 && post.shape[0] == 1 && post.shape[1] == ch,
      "post_conv weight " + model::shape_to_string(post.shape) + " does not match " + std::to_string(ch) + " channels");
  c.out_kernel = static_cast<int>(post.shape[2]);
  return c;
}

}  // namespace vole::arch
