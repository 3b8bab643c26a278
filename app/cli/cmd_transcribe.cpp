// `vole transcribe`: speech to text with a Moonshine model. Each FILE (WAV, FLAC, Ogg,
// MP3, AIFF; `-` = raw 16 kHz mono s16le on stdin) is decoded to 16 kHz mono, cut at its
// pauses by the voice-activity detector and transcribed segment by segment.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audio/decode.h"
#include "command.h"
#include "engine_args.h"
#include "hub/storage.h"
#include "runtime/speech_to_text.h"
#include "runtime/transcriber.h"
#include "util/error.h"

namespace vole::cli {

namespace {

// The speech model used without -m: the catalog's default, under its current or its
// old organisation name.
std::filesystem::path default_speech_model() {
  const auto models = hub::default_models_dir();
  for (const char* name : {"moonshine-ai--moonshine-tiny", "UsefulSensors--moonshine-tiny"})
    if (std::filesystem::exists(models / name / "config.json")) return models / name;
  return models / "moonshine-ai--moonshine-tiny";
}

audio::Audio read_input(const std::string& file) {
  if (file == "-") return audio::read_raw_s16le(std::cin, "standard input");
  return audio::read_audio_file(file);
}

std::string timestamp(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%06.3f", static_cast<int>(s / 60), s - 60 * static_cast<int>(s / 60));
  return buf;
}

int run_transcribe(Args& args) {
  bool json = args.flag("--json"), timestamps = args.flag("--timestamps");
  ModelArgs model_args = parse_model_args(args, model::Format::F16, default_speech_model());
  std::vector<std::string> files = args.positionals();
  args.finish();
  if (files.empty()) fail(ErrorCode::InvalidArgument, "name an audio file to transcribe (or - for raw s16le on stdin)");
  if (!std::filesystem::exists(model_args.dir / "config.json"))
    fail(ErrorCode::NotFound, "no speech model in " + model_args.dir.string() +
                                  ": download moonshine-ai/moonshine-tiny (vole models) or pass -m DIR");
  // Every file is read before the model loads, so a bad file fails fast.
  std::vector<audio::Audio> inputs;
  for (const auto& f : files) inputs.push_back(read_input(f));

  auto engine = load_engine(model_args);
  runtime::SpeechToText stt(*engine);
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < files.size(); ++i) {
    auto segments = runtime::transcribe(stt, inputs[i]);
    if (json) {
      nlohmann::json segs = nlohmann::json::array();
      for (const auto& s : segments)
        segs.push_back({{"start", s.start_s}, {"end", s.end_s}, {"text", s.text}, {"truncated", s.truncated}});
      out.push_back({{"file", files[i]},
                     {"seconds", inputs[i].seconds()},
                     {"text", runtime::joined_text(segments)},
                     {"segments", segs}});
      continue;
    }
    if (files.size() > 1) std::printf("%s:\n", files[i].c_str());
    if (timestamps) {
      for (const auto& s : segments)
        std::printf("[%s -> %s] %s\n", timestamp(s.start_s).c_str(), timestamp(s.end_s).c_str(), s.text.c_str());
    } else {
      std::printf("%s\n", runtime::joined_text(segments).c_str());
    }
  }
  if (json) std::printf("%s\n", (files.size() == 1 ? out[0] : out).dump(2).c_str());
  return 0;
}

}  // namespace

VOLE_COMMAND("transcribe",
             "FILE... [-m DIR] [--timestamps] [--json]  speech to text (WAV/FLAC/Ogg/MP3; - = raw 16 kHz s16le "
             "on stdin) with a Moonshine model (default: the installed moonshine-tiny)",
             run_transcribe);

}  // namespace vole::cli
