// vole-bench-tts [-m KANI_DIR] [--codec NEMO] [--tokens N] [--chunk F] [--weights q4|f16|f32|source]
//                [--runs R] [-d DEVICE]
// The Kani-TTS voice's speed on this device, all from one run of this program:
//   - the codec language model's decode rate as a real-time factor (a frame is 4 tokens
//     and 80 ms of audio, so 50 tokens/s is real time), with the authors' Kani-TTS-2
//     sampling (T 1.0, top-k 50, top-p 0.95, repetition penalty over the whole sequence);
//   - the NanoCodec decoder's real-time factor, streamed in chunks of F frames as the
//     voice decodes them;
//   - both together as the voice runs them on one GPU queue;
//   - the time to first audio: the prompt's prefill, the 2 + 4F tokens of the first chunk
//     and that chunk's decode, measured as one sequence of work;
//   - the GPU memory both hold and the process's peak resident memory.
// Without -m it writes a random-weight Kani-TTS-2 at LFM2-350M's real sizes (1024 wide, 16
// layers of which 6 attention, 80539 tokens) and, without --codec, a codec of the real
// structure: speed does not depend on the weights. Medians of R runs after a warm-up.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "arch/nanocodec/nanocodec.h"
#include "cli/args.h"
#include "report.h"
#include "runtime/engine.h"
#include "runtime/sequence.h"
#include "speech/kani_speaker.h"
#include "support/checkpoint_writer.h"
#include "support/codec_writer.h"
#include "support/temp_dir.h"

using namespace vole;

namespace {

constexpr double kTokensPerSecondOfAudio = 50.0;  // 4 tokens per 80 ms frame

// Kani-TTS-2 on LFM2-350M: the released model's sizes (docs/specs/kani-tts.md, [CARDS]).
void write_random_kani2(const std::filesystem::path& dir) {
  test::CheckpointSpec spec = test::checkpoint_preset("tiny-kani2");
  auto& c = spec.config;
  c["hidden_size"] = 1024;
  c["block_ff_dim"] = 6656;
  c["intermediate_size"] = 6656;
  c["num_hidden_layers"] = 16;
  c["num_attention_heads"] = 16;
  c["num_key_value_heads"] = 8;
  nlohmann::json types = nlohmann::json::array();
  for (int l = 0; l < 16; ++l)
    types.push_back(l == 2 || l == 5 || l == 8 || l == 10 || l == 12 || l == 14 ? "full_attention" : "conv");
  c["layer_types"] = types;
  spec.format = test::CheckpointFormat::BF16;
  test::write_checkpoint(dir, spec);
}

runtime::SamplingOptions kani2_sampling(size_t history) {
  runtime::SamplingOptions s;
  s.temperature = 1.0f;
  s.top_k = 50;
  s.top_p = 0.95f;
  s.min_p = 0;
  s.repetition_penalty = 1.1f;
  s.penalty_last_n = static_cast<int>(history);
  s.validate();
  return s;
}

// The language model's share of one utterance: prefill `prompt`, then `tokens` sampled
// decode steps (the model's own tokens fed back). With `first_chunk_tokens` > 0 the codec
// also decodes the first chunk's frames once that many tokens exist, and the time from
// the start to its samples is the time to first audio.
struct LmTimes {
  double prefill = 0, decode = 0, first_audio = 0;
  uint64_t device_bytes = 0;  // the model's GPU memory with this sequence alive
};
LmTimes run_lm(runtime::Engine& lm, arch::CodecStream& codec, const std::vector<int32_t>& prompt, int tokens,
               int first_chunk_tokens, const std::vector<std::vector<int32_t>>& first_chunk_codes) {
  auto seq = lm.new_sequence(static_cast<int64_t>(prompt.size()) + tokens + 8);
  const auto sampling = kani2_sampling(prompt.size() + static_cast<size_t>(tokens));
  LmTimes t;
  const auto t0 = bench::Clock::now();
  seq->sync(prompt);
  int32_t token = seq->sample(sampling, 1, 0);
  t.prefill = bench::seconds_since(t0);
  const auto d0 = bench::Clock::now();
  for (int i = 1; i < tokens; ++i) {
    token = seq->step(token, sampling, 1, static_cast<uint32_t>(i));
    if (i + 1 == first_chunk_tokens) {
      codec.reset();
      codec.decode(first_chunk_codes);
      t.first_audio = bench::seconds_since(t0);
    }
  }
  t.decode = bench::seconds_since(d0);
  t.device_bytes = lm.device_bytes();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    cli::Args args(std::vector<std::string>(argv + 1, argv + argc));
    std::string lm_dir = args.get_or({"-m", "--model"}, "");
    std::string codec_path = args.get_or({"--codec"}, "");
    const int tokens = static_cast<int>(args.get_int({"--tokens"}, 100, 8, 100000));
    const int chunk = static_cast<int>(args.get_int({"--chunk"}, 10, 1, 1000));
    const int runs = static_cast<int>(args.get_int({"--runs"}, 3, 1, 100));
    runtime::EngineOptions options;
    const std::string weights = args.get_or({"--weights"}, "q4");
    const auto format = model::parse_format(weights);
    if (!format) throw std::invalid_argument("--weights takes q4, f16, f32 or source, not " + weights);
    options.weights = *format;
    options.device = args.get_or({"-d", "--device"}, "");
    args.finish();

    test::TempDir dir("vole-bench-tts");
    if (lm_dir.empty()) {
      std::fprintf(stderr, "writing a random Kani-TTS-2 at LFM2-350M's sizes...\n");
      write_random_kani2(dir / "lm");
      lm_dir = (dir / "lm").string();
    }
    if (codec_path.empty()) {
      const std::filesystem::path beside = std::filesystem::path(lm_dir) / "nanocodec.nemo";
      if (std::filesystem::exists(beside)) {
        codec_path = beside.string();
      } else {
        test::write_nanocodec(dir / "nanocodec.nemo", test::real_nanocodec_spec());
        codec_path = (dir / "nanocodec.nemo").string();
      }
    }
    options.cache = model::CachePolicy::Off;
    runtime::Engine lm(lm_dir, options);
    auto codec = arch::NanoCodecDecoder::load(lm.gpu(), codec_path);
    arch::CodecStream stream(lm.gpu(), *codec);
    const auto& cc = codec->config();
    const double frame_seconds = static_cast<double>(cc.samples_per_frame()) / cc.sample_rate;

    const std::vector<int32_t> prompt =
        speech::kani::prompt(lm.tokenizer(), "Hello! This is Vole reading a sentence of a typical answer aloud.");
    const size_t frames = static_cast<size_t>(tokens / 4);
    const auto codes = test::random_codes(cc.groups, cc.codebook_size(), frames, 1);
    const auto first_codes = test::code_frames(codes, 0, static_cast<size_t>(chunk));
    const int first_chunk_tokens = 2 + 4 * chunk;  // START_OF_AI, START_OF_SPEECH, F frames

    std::vector<double> prefill, decode, first, codec_s;
    uint64_t lm_bytes = 0;
    for (int r = 0; r <= runs; ++r) {  // run 0 records the graphs (warm-up)
      LmTimes t =
          run_lm(lm, stream, prompt, tokens, first_chunk_tokens <= tokens ? first_chunk_tokens : 0, first_codes);
      const auto c0 = bench::Clock::now();
      stream.reset();
      for (size_t at = 0; at < frames; at += static_cast<size_t>(chunk))
        stream.decode(test::code_frames(codes, at, static_cast<size_t>(chunk)));
      if (r == 0) continue;
      codec_s.push_back(bench::seconds_since(c0));
      prefill.push_back(t.prefill);
      decode.push_back(t.decode);
      first.push_back(t.first_audio);
      lm_bytes = std::max(lm_bytes, t.device_bytes);
    }

    const double audio = static_cast<double>(frames) * frame_seconds;
    const double lm_rtf = (tokens - 1) / bench::median(decode) / kTokensPerSecondOfAudio;
    const double codec_rtf = audio / bench::median(codec_s);
    const double together = 1.0 / (1.0 / lm_rtf + 1.0 / codec_rtf);
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);

    const auto& k2 = lm.decoder().dims();
    std::printf("device: %s\nlanguage model: %s (%d wide, vocab %d), weights %s, %.1f MiB on the GPU\n",
                lm.gpu().info().name.c_str(), lm_dir.c_str(), k2.hidden, k2.vocab, model::format_name(options.weights),
                static_cast<double>(lm.load_report().weight_bytes) / (1 << 20));
    std::printf("codec: %d channels, %.1f MiB on the GPU\n", cc.channels,
                static_cast<double>(codec->device_bytes()) / (1 << 20));
    std::printf("prompt %zu tokens, %d generated tokens = %.2f s of audio, chunks of %d frames, median of %d runs\n\n",
                prompt.size(), tokens, audio, chunk, runs);
    bench::Table table({{"part", "part"}, {"seconds", "seconds", 3}, {"rtf", "real-time factor", 2}});
    table.add({std::string("prompt prefill"), bench::median(prefill), std::string("-")});
    table.add({std::string("codec LM decode"), bench::median(decode), lm_rtf});
    table.add({std::string("NanoCodec decode"), bench::median(codec_s), codec_rtf});
    table.add({std::string("voice (LM + codec)"), bench::median(decode) + bench::median(codec_s), together});
    std::printf("%s\n", table.text().c_str());
    if (first_chunk_tokens <= tokens)
      std::printf("time to first audio: %.3f s (prefill, %d tokens, first %d frames decoded)\n", bench::median(first),
                  first_chunk_tokens, chunk);
    std::printf(
        "GPU memory: language model %.1f MiB (weights + this sequence), codec %.1f MiB, peak in use %.1f MiB "
        "(with activations and staging); peak resident %.1f MiB\n",
        static_cast<double>(lm_bytes) / (1 << 20), static_cast<double>(codec->device_bytes()) / (1 << 20),
        static_cast<double>(lm.gpu().device_bytes_peak()) / (1 << 20), usage.ru_maxrss / 1024.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vole-bench-tts: %s\n", e.what());
    return 1;
  }
}
