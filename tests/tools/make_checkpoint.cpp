// vole-make-checkpoint: writes a random-weight model folder in the Hugging Face layout
// (see tests/support/checkpoint_writer.h), for tests, benchmarks and trying the app
// without downloading a model.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "moonshine_fixture.h"
#include "support/checkpoint_writer.h"
#include "support/codec_writer.h"
#include "text/tokenizer_families.h"

namespace {

constexpr const char* kUsage =
    "usage: vole-make-checkpoint --preset NAME --out DIR [options]\n"
    "  --preset tiny-qwen3_5 | tiny-qwen3 | tiny-qwen2 | qwen3_5-0.8b | tiny-embeddinggemma | tiny-qwen3-embedding\n"
    "           tiny-lfm2 | tiny-kani2   (LFM2; Kani-TTS-2's modified LFM2 with the audio vocabulary)\n"
    "           tiny-moonshine | moonshine-tiny | moonshine-base   (speech to text; f32, --seed only)\n"
    "           tiny-moonshine-streaming | moonshine-streaming-tiny   (Moonshine v2; f32, --seed only)\n"
    "           tiny-nanocodec | nanocodec-22khz   (a NeMo .nemo codec: DIR/nanocodec.nemo;\n"
    "           only --seed and --format f32|f16 apply)\n"
    "  --format f32 | bf16 | f16 | mlx4 | gptq4     (default bf16)\n"
    "                       (tiny-embeddinggemma in mlx4: mlx-embeddings' layout, the Dense layers\n"
    "                       as dense.<i>.* in model.safetensors, no modules.json)\n"
    "  --group N            MLX/GPTQ group size (default 64; GPTQ -1 = per column)\n"
    "  --gptq-asym          asymmetric GPTQ zero points   --gptq-v2  gptq_v2 zero points\n"
    "  --seed N             weights are deterministic from the seed (default 1)\n"
    "  --shard-mb N         split into shards of at most N MiB with an index\n"
    "  --no-vision          drop the vision tower          --no-mtp   drop the mtp.* head\n"
    "  --vocab N            override the vocabulary size\n"
    "  --no-tokenizer       do not copy the Qwen3 tokenizer files\n"
    "  --chat-template FILE write FILE as tokenizer_config.json's chat_template\n"
    "  --preprocessor-config write preprocessor_config.json (the vision tower's image budget)\n";

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "vole-make-checkpoint: %s\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

// Moonshine folders (v1 and Streaming): config.json + model.safetensors in the real
// layout, and a small Moonshine-style tokenizer.json padded with placeholder tokens to the
// model's vocabulary (so every id the random model emits decodes).
int write_moonshine(const std::string& preset, const std::string& out, uint64_t seed) {
  vole::test::TinyMoonshine spec;
  vole::test::TinyMoonshineStreaming streaming;
  spec.seed = streaming.seed = seed;
  const bool v2 = preset == "tiny-moonshine-streaming" || preset == "moonshine-streaming-tiny";
  if (preset == "moonshine-tiny" || preset == "moonshine-base") {
    bool base = preset == "moonshine-base";
    spec.hidden = base ? 416 : 288;
    spec.intermediate = 4 * spec.hidden;
    spec.encoder_layers = spec.decoder_layers = base ? 8 : 6;
    spec.heads = 8;
    spec.vocab = 32768;
    spec.partial_rotary_factor = base ? 0.62 : 0.9;
  }
  if (preset == "moonshine-streaming-tiny") {  // the released Tiny's dimensions (spec §1.3)
    streaming.encoder_hidden = streaming.hidden = 320;
    streaming.encoder_intermediate = streaming.intermediate = 1280;
    streaming.encoder_heads = streaming.heads = 8;
    streaming.windows = {{16, 4}, {16, 4}, {16, 0}, {16, 0}, {16, 4}, {16, 4}};
    streaming.decoder_layers = 6;
    streaming.vocab = 32768;
  }
  auto tokenizer = vole::test::moonshine_style_json(0);
  auto& vocab = tokenizer["model"]["vocab"];
  const int base_size = static_cast<int>(vocab.size());
  int& vocab_size = v2 ? streaming.vocab : spec.vocab;
  if (vocab_size < base_size) vocab_size = base_size;
  for (int id = base_size; id < vocab_size; ++id) vocab["<extra_" + std::to_string(id) + ">"] = id;
  if (v2)
    vole::test::write_tiny_moonshine_streaming(out, streaming);
  else
    vole::test::write_tiny_moonshine(out, spec);
  std::FILE* f = std::fopen((out + "/tokenizer.json").c_str(), "wb");
  if (!f) return 1;
  std::string text = tokenizer.dump();
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok &= std::fclose(f) == 0;
  if (!ok) return 1;
  std::printf("wrote %s (%s, f32)\n", out.c_str(), preset.c_str());
  return 0;
}

// The NanoCodec presets: a .nemo archive (tests/support/codec_writer.h).
int write_codec(const std::string& preset, const std::vector<std::string>& args) {
  vole::test::CodecSpec spec = preset == "tiny-nanocodec" ? vole::test::CodecSpec{} : vole::test::real_nanocodec_spec();
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) usage_error(args[i] + " needs a value");
      return args[++i];
    };
    const std::string& a = args[i];
    if (a == "--preset")
      ++i;
    else if (a == "--out")
      out = value();
    else if (a == "--seed")
      spec.seed = static_cast<uint32_t>(std::stoul(value()));
    else if (a == "--format") {
      std::string f = value();
      if (f != "f32" && f != "f16") usage_error("a codec is written as f32 or f16, not " + f);
      spec.f16 = f == "f16";
    } else
      usage_error("option " + a + " does not apply to a codec");
  }
  if (out.empty()) usage_error("--out is required");
  try {
    std::filesystem::create_directories(out);
    vole::test::write_nanocodec(std::filesystem::path(out) / "nanocodec.nemo", spec);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vole-make-checkpoint: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string preset, out, format = "bf16";
  vole::test::CheckpointSpec spec;
  bool have_spec = false;
  auto value = [&](size_t& i) -> std::string {
    if (i + 1 >= args.size()) usage_error(args[i] + " needs a value");
    return args[++i];
  };
  // The preset first, so the other options modify it.
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--preset") preset = value(i);
  if (preset.empty()) usage_error("--preset is required");
  if (preset == "tiny-moonshine" || preset == "moonshine-tiny" || preset == "moonshine-base" ||
      preset == "tiny-moonshine-streaming" || preset == "moonshine-streaming-tiny") {
    std::string dir;
    uint64_t seed = 1;
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--preset")
        ++i;
      else if (args[i] == "--out")
        dir = value(i);
      else if (args[i] == "--seed")
        seed = std::stoull(value(i));
      else
        usage_error("option " + args[i] + " does not apply to " + preset);
    }
    if (dir.empty()) usage_error("--out is required");
    try {
      return write_moonshine(preset, dir, seed);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vole-make-checkpoint: %s\n", e.what());
      return 1;
    }
  }
  if (preset == "tiny-nanocodec" || preset == "nanocodec-22khz") return write_codec(preset, args);
  try {
    spec = vole::test::checkpoint_preset(preset);
    have_spec = true;
  } catch (const std::exception& e) {
    usage_error(e.what());
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--preset")
      ++i;
    else if (a == "--out")
      out = value(i);
    else if (a == "--format")
      format = value(i);
    else if (a == "--group")
      spec.quant_group = std::stoi(value(i));
    else if (a == "--gptq-asym")
      spec.gptq_sym = false;
    else if (a == "--gptq-v2")
      spec.gptq_v2 = true;
    else if (a == "--seed")
      spec.seed = std::stoull(value(i));
    else if (a == "--shard-mb")
      spec.max_shard_bytes = std::stoull(value(i)) << 20;
    else if (a == "--no-vision")
      spec.config.erase("vision_config");
    else if (a == "--no-mtp")
      spec.mtp = false;
    else if (a == "--vocab")
      text_config(spec)["vocab_size"] = std::stoll(value(i));
    else if (a == "--no-tokenizer")
      spec.tokenizer = false;
    else if (a == "--chat-template")
      spec.chat_template = value(i);
    else if (a == "--preprocessor-config")
      spec.preprocessor_config = true;
    else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else
      usage_error("unknown option " + a);
  }
  if (out.empty() || !have_spec) usage_error("--out is required");
  auto f = vole::test::parse_checkpoint_format(format);
  if (!f) usage_error("unknown format " + format);
  spec.format = *f;
  try {
    vole::test::write_checkpoint(out, spec);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vole-make-checkpoint: %s\n", e.what());
    return 1;
  }
  std::printf("wrote %s (%s, %s)\n", out.c_str(), preset.c_str(), format.c_str());
  return 0;
}
