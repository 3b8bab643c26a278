// `vole codec-decode`: the NanoCodec decoder alone, for parity tests against outside
// references. Codes file: one line per codebook, each the T frame indices of that
// codebook separated by commas (indices within the codebook, not LM token ids). Output:
// the samples at the codec's rate as raw little-endian float32, decoded whole.
#include <bit>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "arch/nanocodec/nanocodec.h"
#include "command.h"
#include "runtime/device.h"
#include "util/error.h"
#include "util/file.h"
#include "util/user_files.h"

namespace vole::cli {

namespace {

std::vector<std::vector<int32_t>> read_codes(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(ErrorCode::NotFound, "cannot read codes file " + path);
  std::vector<std::vector<int32_t>> codes;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::vector<int32_t> row;
    std::stringstream items(line);
    for (std::string item; std::getline(items, item, ',');) {
      char* end = nullptr;
      long v = std::strtol(item.c_str(), &end, 10);
      while (end && (*end == ' ' || *end == '\r' || *end == '\t')) ++end;
      if (item.find_first_not_of(" \t\r") == std::string::npos || *end || v < INT32_MIN || v > INT32_MAX)
        fail(ErrorCode::InvalidArgument,
             path + ":" + std::to_string(n) + ": not a comma-separated integer: '" + item + "'");
      row.push_back(static_cast<int32_t>(v));
    }
    codes.push_back(std::move(row));
  }
  if (codes.empty()) fail(ErrorCode::InvalidArgument, path + ": no codes");
  return codes;
}

int run_codec_decode(Args& args) {
  std::string model = args.require({"-m", "--model"});
  std::string codes_path = args.require({"--codes"});
  std::string out = args.require({"-o", "--out"});
  runtime::DeviceOptions device;
  device.device = args.get_or({"-d", "--device"}, "");
  args.finish();
  auto codes = read_codes(codes_path);
  runtime::Device dev(device);
  auto codec = arch::NanoCodecDecoder::load(dev.gpu(), model);
  arch::CodecStream stream(dev.gpu(), *codec);
  std::vector<float> samples = stream.decode(codes);
  static_assert(std::endian::native == std::endian::little, "the samples file is little-endian float32");
  write_output_file(out,
                    std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(samples.data()), samples.size() * 4));
  std::printf("wrote %zu samples (%zu frames, %.3f s at %d Hz) to %s\n", samples.size(), codes[0].size(),
              static_cast<double>(samples.size()) / codec->config().sample_rate, codec->config().sample_rate,
              out.c_str());
  return 0;
}

}  // namespace

VOLE_COMMAND("codec-decode",
             "-m CODEC(.nemo|DIR) --codes CODES.txt -o OUT.f32  NanoCodec decoder alone: one line of frame indices "
             "per codebook -> float32 samples",
             run_codec_decode);

}  // namespace vole::cli
