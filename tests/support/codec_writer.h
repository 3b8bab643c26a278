#pragma once
// Writes random NanoCodec decoders as real NeMo `.nemo` archives (torch_writer.h): a
// model_config.yaml in OmegaConf's block style with the decoder's and quantizer's keys,
// and a state dict with every audio_decoder.* tensor weight-normalised the way NeMo
// stores it (parametrizations.weight.original0 = g [C, 1, 1], original1 = v), the FSQ
// level buffers, and a few encoder tensors a training checkpoint carries beside them.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace vole::test {

struct CodecSpec {
  std::vector<int> levels = {9, 8, 8, 7};
  int groups = 4;
  int channels = 28;  // 28 -> 14 -> 7 (odd, like the real 27)
  std::vector<int> up_rates = {3, 2};
  std::vector<int> res_kernels = {3, 5};
  std::vector<int> res_dilations = {1, 2};
  int in_kernel = 7, out_kernel = 3;
  int sample_rate = 22050;
  uint32_t seed = 1;
  bool f16 = false;  // store the tensors as f16
};

// The real codec's structure (nemo-nano-codec-22khz-0.6kbps-12.5fps), for benchmarks.
CodecSpec real_nanocodec_spec();

std::string nanocodec_yaml(const CodecSpec& spec);
// Writes the archive; returns every audio_decoder.* tensor by name as stored (after f16
// rounding when spec.f16), for the CPU reference.
std::map<std::string, std::vector<float>> write_nanocodec(const std::filesystem::path& path, const CodecSpec& spec);

// Codes [groups][frames], uniform over each codebook (speed does not depend on them).
std::vector<std::vector<int32_t>> random_codes(int groups, int codebook_size, size_t frames, uint32_t seed);
// Frames [begin, begin + n) of codes [groups][frames] (clamped to the end).
std::vector<std::vector<int32_t>> code_frames(const std::vector<std::vector<int32_t>>& codes, size_t begin, size_t n);

}  // namespace vole::test
