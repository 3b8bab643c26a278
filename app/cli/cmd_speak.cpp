// `vole speak`: text to a WAV file with the espeak-ng voice (the voice that needs no
// download, the default) or a Kani-TTS neural voice (-m DIR: an LFM2 codec language model
// plus the NanoCodec .nemo). Text comes from the arguments or, streamed, from stdin: each
// sentence is synthesised as soon as it is complete, exactly as the app speaks a
// streaming answer.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "engine_args.h"
#include "speech/espeak_speaker.h"
#include "speech/kani_speaker.h"
#include "speech/speech_stream.h"
#include "speech/wav_writer.h"
#include "util/error.h"

namespace vole::cli {

namespace {

int list_voices() {
  for (const auto& v : speech::EspeakSpeaker::list_voices())
    std::printf("%-12s %-24s %s\n", v.language.c_str(), v.identifier.c_str(), v.name.c_str());
  return 0;
}

int run_speak(Args& args) {
  if (args.flag("--list-voices")) {
    args.finish();
    return list_voices();
  }
  std::unique_ptr<speech::Speaker> speaker;
  std::string voice_name;
  speech::EspeakOptions voice;
  voice.voice = args.get_or({"--voice"}, "");
  voice.rate = args.get_double({"--rate"}, 1.0, 0.1, 10.0);
  std::string language = args.get_or({"--lang"}, "");
  if (voice.voice.empty() && !language.empty()) voice.voice = language;
  const bool neural = args.has({"-m", "--model"});
  std::optional<ModelArgs> model_args;
  speech::KaniOptions kani;
  std::string codec;
  if (neural) {
    model_args = parse_model_args(args);
    codec = args.get_or({"--codec"}, model_args->dir.string());
    if (args.has({"--temp"})) kani.temperature = static_cast<float>(args.get_double({"--temp"}, 1.0, 0.0, 10.0));
    if (auto file = args.get({"--speaker-embedding"})) kani.speaker_embedding = speech::read_speaker_embedding(*file);
    kani.seed = static_cast<uint32_t>(args.get_int({"--seed"}, 0));
    kani.speaker = voice.voice;
  } else {
    args.flag("--espeak");  // the default voice
  }
  std::string out = args.require({"-o", "--out"});
  std::vector<std::string> words = args.positionals();
  args.finish();

  if (neural) {
    auto lm = load_engine(*model_args);
    auto kani_speaker = std::make_unique<speech::KaniSpeaker>(std::move(lm), codec, kani);
    voice_name = std::string(kani_speaker->generation() == 2 ? "kani-tts-2" : "kani-tts") + " (" +
                 model_args->dir.filename().string() + ")";
    speaker = std::move(kani_speaker);
  } else {
    auto espeak = std::make_unique<speech::EspeakSpeaker>(voice);
    voice_name = espeak->voice();
    speaker = std::move(espeak);
  }
  speech::SpeechTextOptions text_options;
  text_options.language = language.empty() ? (voice.voice.empty() ? "en" : voice.voice) : language;
  std::vector<float> audio;
  const auto start = std::chrono::steady_clock::now();
  double first_audio = -1;
  speech::SpeechStream stream(
      *speaker,
      [&](std::span<const float> chunk) {
        if (first_audio < 0)
          first_audio = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        audio.insert(audio.end(), chunk.begin(), chunk.end());
      },
      text_options);
  if (!words.empty()) {
    std::string text;
    for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
    stream.append(text);
  } else {
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) stream.append(std::string_view(buffer, n));
  }
  stream.finish();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  speech::write_wav_pcm16(out, audio, speaker->sample_rate());
  const double seconds = static_cast<double>(audio.size()) / speaker->sample_rate();
  std::fprintf(stderr, "vole speak: voice %s, %d pieces, %.2f s of audio at %d Hz in %.2f s", voice_name.c_str(),
               stream.pieces_spoken(), seconds, speaker->sample_rate(), elapsed);
  if (first_audio >= 0) std::fprintf(stderr, ", first audio after %.3f s", first_audio);
  std::fprintf(stderr, " -> %s\n", out.c_str());
  return 0;
}

}  // namespace

VOLE_COMMAND("speak",
             "[--espeak | -m KANI_DIR [--codec NEMO] [--temp T] [--seed S] [--voice SPEAKER] [--speaker-embedding "
             "EMB.f32]] [--voice NAME|--lang L] [--rate R] -o OUT.wav [TEXT]  speak TEXT (or stdin, streamed) into a "
             "WAV file; --list-voices",
             run_speak);

}  // namespace vole::cli
