#pragma once
// NVIDIA NeMo's NanoCodec decoder (docs/specs/kani-tts.md §6) as a component on the GPU:
// codec codes [codebooks, frames] -> FSQ latent -> causal HiFi-GAN decoder (causal
// convolutions, grouped causal transposed convolutions, HalfSnake, residual layers) ->
// clamped mono samples. Loaded from a `.nemo` archive (engine/model/nemo_archive.h):
// the structure from model_config.yaml and the tensors' shapes, weight norm folded at
// load. Every causal layer keeps its left context in a ConvWindow state slot, so frames
// decoded in pieces (streaming) give the samples of one whole decode.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "arch/component.h"
#include "arch/sequence_state.h"
#include "arch/weights.h"
#include "model/json_util.h"
#include "model/pytorch_zip.h"

namespace vole::arch {

struct NanoCodecConfig {
  std::vector<int> levels = {9, 8, 8, 7};  // FSQ levels of one group (codebook)
  int groups = 4;                          // codebooks
  int channels = 864;                      // after pre_conv; halved by every up-sampling
  std::vector<int> up_rates = {7, 7, 6, 3, 2};
  std::vector<int> res_kernels = {3, 7, 11};
  std::vector<int> res_dilations = {1, 3, 5};
  int in_kernel = 7, out_kernel = 3;
  int sample_rate = 22050;

  int latent_dim() const { return groups * static_cast<int>(levels.size()); }
  int codebook_size() const;
  int samples_per_frame() const;
};

// The decoder's structure from a NeMo model_config.yaml (as JSON, model::parse_yaml)
// checked against the checkpoint: channels, rates and kernels must agree with the
// tensors' shapes; FSQ levels from `vector_quantizer.num_levels_per_group` (or the
// `fsqs.<g>.num_levels` buffers). Anything unsupported (another activation, a
// non-causal decoder) is an Unsupported error naming the field.
NanoCodecConfig parse_nanocodec_config(const model::JsonObject& yaml, const model::TorchCheckpoint& weights);

class NanoCodecDecoder final : public Component {
 public:
  // `path`: a .nemo file or a folder holding one.
  static std::unique_ptr<NanoCodecDecoder> load(gpu::Context& ctx, const std::filesystem::path& path);
  ~NanoCodecDecoder() override;

  std::string_view name() const override { return "codec decoder"; }
  std::vector<Input> inputs() const override { return {Input::CodecCodes}; }
  std::vector<Output> outputs() const override { return {Output::AudioSamples}; }
  // One ConvWindow per causal layer: its last (K-1)·dilation input rows (a transposed
  // conv: its last input row). Independent of `capacity`.
  std::vector<StateSlot> state_slots(int64_t capacity = 0) const override;

  const NanoCodecConfig& config() const { return config_; }
  uint64_t device_bytes() const;

  // codes[g][t], g < groups, each in [0, codebook_size) -> latent [T, latent_dim]
  // row-major (host; FSQ is 16 numbers per frame). Bad codes are InvalidArgument.
  std::vector<float> dequantize(const std::vector<std::vector<int32_t>>& codes) const;
  // audio [T * samples_per_frame, 1] from latent [T, latent_dim], continuing `state`.
  void record_decode(gpu::Graph& g, const ops::Tensor& latent, SequenceState& state, const ops::Tensor& audio) const;

  struct Layers;  // weights and slot numbers, in the order the graph applies them

 private:
  NanoCodecDecoder(gpu::Context& ctx, NanoCodecConfig config);
  NanoCodecConfig config_;
  std::unique_ptr<WeightStore> store_;
  std::unique_ptr<Layers> layers_;
};

// Decodes frames as they come (streaming) or all at once: the decoder's state on the
// GPU plus one recorded graph per piece length.
class CodecStream {
 public:
  CodecStream(gpu::Context& ctx, const NanoCodecDecoder& codec);
  ~CodecStream();
  // The samples of the next frames (codes[g][t]); frames.size() * samples_per_frame.
  std::vector<float> decode(const std::vector<std::vector<int32_t>>& codes);
  void reset();  // a new utterance

 private:
  struct Graphs;
  gpu::Context& ctx_;
  const NanoCodecDecoder& codec_;
  SequenceState state_;
  std::unique_ptr<Graphs> graphs_;
};

}  // namespace vole::arch
