#pragma once
// The CPU reference of NVIDIA NeMo's NanoCodec decoder (docs/specs/kani-tts.md §6): FSQ
// de-quantisation and the causal HiFi-GAN decoder (causal convolutions, grouped causal
// transposed convolutions, HalfSnake, residual layers, clamp). Readable C++ with double
// accumulation over channel-major [C][T] buffers.
//
// Streaming: every causal layer keeps its left context in a `State` (a conv its last
// (K−1)·dilation input columns, a transposed conv its last input column), so decoding
// frames in any grouping gives the samples of one whole-sequence decode.
#include <cstdint>
#include <string>
#include <vector>

#include "reference/model_forward.h"  // WeightMap

namespace vole::ref {

struct NanoCodecSpec {
  std::vector<int> levels = {9, 8, 8, 7};  // FSQ levels of one group
  int groups = 4;                          // codebooks
  int base_channels = 864;
  std::vector<int> up_rates = {7, 7, 6, 3, 2};
  std::vector<int> res_kernels = {3, 7, 11};
  std::vector<int> res_dilations = {1, 3, 5};
  int in_kernel = 7;
  int out_kernel = 3;
  int sample_rate = 22050;
  std::string prefix = "audio_decoder.";

  int latent_dim() const { return groups * static_cast<int>(levels.size()); }
  int codebook_size() const;
  int samples_per_frame() const;
  // Earlier frames one output frame can depend on (kani-tts.md §6.5).
  int receptive_field_frames() const;
};

// codes[g][t] (codebook-major, each in [0, codebook_size)) -> latent [latent_dim][T].
std::vector<std::vector<float>> fsq_dequantize(const NanoCodecSpec& spec,
                                               const std::vector<std::vector<int32_t>>& codes);

// Weight norm: W = g · v / ‖v‖, the norm over everything but dim 0 (g has dim0 values).
std::vector<float> fold_weight_norm(const std::vector<float>& g, const std::vector<float>& v);

class NanoCodecDecoder {
 public:
  // `weights` by NeMo name; each conv either as `<conv>.weight` or weight-normalised
  // (`<conv>.parametrizations.weight.original0/1`, or the older `weight_g`/`weight_v`).
  NanoCodecDecoder(NanoCodecSpec spec, const WeightMap& weights);

  struct State {
    std::vector<std::vector<float>> history;  // one entry per causal layer, in call order
    bool started = false;
  };
  State new_state() const { return {}; }

  // Decodes the next frames (codes[g][n]) and returns n · samples_per_frame samples.
  std::vector<float> decode(const std::vector<std::vector<int32_t>>& codes, State& state) const;
  std::vector<float> decode_all(const std::vector<std::vector<int32_t>>& codes) const {
    State s;
    return decode(codes, s);
  }
  const NanoCodecSpec& spec() const { return spec_; }

 private:
  using Signal = std::vector<std::vector<float>>;  // [channel][time]
  struct Conv {
    std::vector<float> weight;  // [out][in][K] (transposed: [in][1][K])
    std::vector<float> bias;
    int in = 0, out = 0, kernel = 0;
  };
  Conv conv(const std::string& name, int in, int out, int kernel, bool transposed) const;
  const std::vector<float>& tensor(const std::string& name) const;
  std::vector<float> alpha(const std::string& activation, int channels) const;

  Signal causal_conv(const Conv& c, int dilation, const Signal& x, std::vector<float>& history) const;
  Signal causal_conv_transposed(const Conv& c, int rate, const Signal& x, std::vector<float>& history) const;
  void half_snake(Signal& x, const std::vector<float>& alpha) const;

  NanoCodecSpec spec_;
  const WeightMap& weights_;
  // Resolved parameters, in the order layers are applied.
  Conv pre_conv_, post_conv_;
  std::vector<Conv> up_convs_;
  std::vector<std::vector<float>> up_alphas_;
  std::vector<float> post_alpha_;
  struct Residual {
    Conv input_conv, skip_conv;
    std::vector<float> input_alpha, skip_alpha;
    int dilation = 1;
  };
  std::vector<std::vector<std::vector<Residual>>> res_;  // [stage][kernel][dilation]
};

}  // namespace vole::ref
