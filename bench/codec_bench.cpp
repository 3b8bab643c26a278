// vole-bench-codec [--codec NEMO] [--seconds S] [--chunk F] [--runs N] [-d DEVICE]
// The NanoCodec decoder's speed on this device: real-time factor (audio seconds per
// second of decoding) of a whole-utterance decode and of streaming in chunks of F frames
// (what the Kani-TTS voice does), and the time to the first chunk's samples. Without
// --codec it writes a codec with the real structure (864 channels, rates 7·7·6·3·2,
// kernels 3/7/11) and random weights: speed does not depend on the weights. Medians of
// N runs after a warm-up; all numbers from one run of this program.
#include <algorithm>
#include <cstdio>

#include "arch/nanocodec/nanocodec.h"
#include "cli/args.h"
#include "report.h"
#include "runtime/device.h"
#include "support/codec_writer.h"
#include "support/temp_dir.h"

using namespace vole;

int main(int argc, char** argv) {
  try {
    cli::Args args(std::vector<std::string>(argv + 1, argv + argc));
    std::string codec_path = args.get_or({"--codec"}, "");
    const double audio_seconds = args.get_double({"--seconds"}, 2.0);
    const int chunk = static_cast<int>(args.get_int({"--chunk"}, 10));
    const int runs = static_cast<int>(args.get_int({"--runs"}, 3));
    runtime::DeviceOptions device_options;
    device_options.device = args.get_or({"-d", "--device"}, "");
    args.finish();
    test::TempDir dir("vole-bench-codec");
    if (codec_path.empty()) {
      test::write_nanocodec(dir / "nanocodec.nemo", test::real_nanocodec_spec());
      codec_path = (dir / "nanocodec.nemo").string();
    }
    runtime::Device device(device_options);
    auto codec = arch::NanoCodecDecoder::load(device.gpu(), codec_path);
    const auto& c = codec->config();
    const size_t frames = static_cast<size_t>(std::max(1.0, audio_seconds * c.sample_rate / c.samples_per_frame()));
    const double seconds = static_cast<double>(frames * c.samples_per_frame()) / c.sample_rate;
    auto codes = test::random_codes(c.groups, c.codebook_size(), frames, 1);
    std::printf("device: %s\ncodec: %d channels, rates", device.gpu().info().name.c_str(), c.channels);
    for (int r : c.up_rates) std::printf(" %d", r);
    std::printf(", %zu frames = %.2f s of audio, weights %.1f MiB\n", frames, seconds,
                static_cast<double>(codec->device_bytes()) / (1 << 20));

    arch::CodecStream stream(device.gpu(), *codec);
    std::vector<double> whole, streamed, first;
    for (int r = 0; r <= runs; ++r) {  // run 0 records the graphs (warm-up)
      stream.reset();
      auto t0 = bench::Clock::now();
      stream.decode(codes);
      if (r) whole.push_back(bench::seconds_since(t0));
      stream.reset();
      t0 = bench::Clock::now();
      for (size_t at = 0; at < frames; at += static_cast<size_t>(chunk)) {
        stream.decode(test::code_frames(codes, at, static_cast<size_t>(chunk)));  // the last piece is clamped
        if (at == 0 && r) first.push_back(bench::seconds_since(t0));
      }
      if (r) streamed.push_back(bench::seconds_since(t0));
    }
    std::printf("whole decode:      %.3f s  real-time factor %.2fx\n", bench::median(whole),
                seconds / bench::median(whole));
    std::printf("chunks of %2d:      %.3f s  real-time factor %.2fx, first %.2f s of audio after %.3f s\n", chunk,
                bench::median(streamed), seconds / bench::median(streamed),
                static_cast<double>(chunk * c.samples_per_frame()) / c.sample_rate, bench::median(first));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vole-bench-codec: %s\n", e.what());
    return 1;
  }
}
