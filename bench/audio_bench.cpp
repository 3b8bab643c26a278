// Audio front door benchmark: how fast engine/audio turns files into 16 kHz mono, and
// the voice activity detector's real-time factor, on one minute of real speech
// (espeak-ng, with pauses) converted by sox into each supported format.
//   decode+resample: seconds of audio per second of wall time (median of the runs), per
//                    file type, with the resampling alone (in memory) as a reference;
//   VAD:             frames decided per second of audio, and split_at_silences.
// Needs espeak-ng and sox (packaging/install-deps.sh). Single thread.
// Usage: vole-bench-audio [--runs N] [--json FILE]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "audio/decode.h"
#include "audio/resample.h"
#include "audio/vad.h"
#include "report.h"
#include "util/error.h"

using namespace vole;
using namespace vole::audio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
    fail(ErrorCode::NotFound, "vole-bench-audio: this failed (are espeak-ng and sox installed?): " + command);
}

// Median wall seconds of `runs` calls of f.
template <class F>
double median_seconds(int runs, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    auto start = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

const char* kParagraphs[] = {
    "Vole keeps everything on your own computer. It listens, writes down what you say, and answers.",
    "The voice activity detector finds the pauses between sentences, so long recordings are cut into "
    "pieces a speech model can handle.",
    "Each piece is resampled to sixteen thousand samples per second and mixed down to a single channel.",
    "This benchmark measures how quickly files of every supported type are decoded and converted.",
    "It also measures how much of a second the detector needs for each second of audio it hears.",
};

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--json" && i + 1 < argc)
      json_path = argv[++i];
    else {
      std::fprintf(stderr, "usage: vole-bench-audio [--runs N] [--json FILE]\n");
      return 2;
    }
  }
  try {
    fs::path dir = fs::temp_directory_path() / ("vole-bench-audio-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    // One minute of speech: the paragraphs spoken in turn with 0.7 s pauses, repeated.
    std::string parts;
    for (size_t i = 0; i < std::size(kParagraphs); ++i) {
      fs::path wav = dir / ("p" + std::to_string(i) + ".wav");
      run("espeak-ng -w '" + wav.string() + "' '" + kParagraphs[i] + "'");
      parts += wav.string() + " ";
    }
    run("sox -n -r 22050 -c 1 -b 16 '" + (dir / "gap.wav").string() + "' trim 0 0.7");
    std::string one_pass;
    for (size_t i = 0; i < std::size(kParagraphs); ++i)
      one_pass += (dir / ("p" + std::to_string(i) + ".wav")).string() + " " + (dir / "gap.wav").string() + " ";
    fs::path pass = dir / "pass.wav", minute = dir / "speech.wav";
    run("sox " + one_pass + pass.string());
    run("sox " + pass.string() + " " + pass.string() + " " + pass.string() + " " + pass.string() + " " +
        minute.string() + " trim 0 60");

    struct Format {
      const char* name;
      const char* sox_options;  // for the conversion of the minute (empty: the minute itself)
      const char* file;
    } formats[] = {
        {"WAV 16-bit 22.05 kHz mono", "", "speech.wav"},
        {"WAV 16-bit 44.1 kHz stereo", "-r 44100 -c 2", "s44.wav"},
        {"WAV float 48 kHz stereo", "-r 48000 -c 2 -e floating-point -b 32", "s48f.wav"},
        {"FLAC 44.1 kHz stereo", "-r 44100 -c 2", "s44.flac"},
        {"Ogg Vorbis 44.1 kHz stereo", "-r 44100 -c 2", "s44.ogg"},
        {"MP3 128 kbit/s 44.1 kHz stereo", "-r 44100 -c 2 -C 128", "s44.mp3"},
        {"WAV 16-bit 16 kHz mono (no resampling)", "-r 16000", "s16.wav"},
    };
    bench::Table decode({{"format", "file", -1},
                         {"audio_s", "audio s", 1},
                         {"ms", "decode+resample ms", 1},
                         {"x_realtime", "x real time", 0}});
    for (const Format& f : formats) {
      fs::path file = dir / f.file;
      if (file != minute) run("sox " + minute.string() + " " + f.sox_options + " " + file.string());
      Audio a;
      double s = median_seconds(runs, [&] { a = read_audio_file(file); });
      decode.add({std::string(f.name), a.seconds(), s * 1e3, a.seconds() / s});
    }
    Audio src = read_audio_file(dir / "s44.wav", 0);
    double rs = median_seconds(runs, [&] { resample(src.samples, src.sample_rate, kSpeechSampleRate); });
    decode.add({std::string("resampling alone, 44.1 -> 16 kHz mono"), src.seconds(), rs * 1e3, src.seconds() / rs});

    Audio speech = read_audio_file(minute);
    bench::Table vad(
        {{"what", "VAD", -1}, {"ms", "ms", 1}, {"x_realtime", "x real time", 0}, {"segments", "segments", 0}});
    size_t events = 0;
    double vs = median_seconds(runs, [&] {
      VoiceActivityDetector d;
      events = d.feed(speech.samples).size();
      events += d.finish().size();
    });
    vad.add({std::string("detector, 10 ms frames"), vs * 1e3, speech.seconds() / vs, events / 2.0});
    std::vector<SpeechSegment> segments;
    double ss = median_seconds(runs, [&] { segments = split_at_silences(speech); });
    vad.add({std::string("split_at_silences"), ss * 1e3, speech.seconds() / ss, static_cast<double>(segments.size())});

    std::printf("engine/audio on %.1f s of espeak-ng speech, median of %d runs, one thread\n\n%s\n%s", speech.seconds(),
                runs, decode.text().c_str(), vad.text().c_str());
    if (!json_path.empty())
      bench::write_json(json_path, {{"decode", decode.json()}, {"vad", vad.json()}, {"runs", runs}});
    fs::remove_all(dir);
  } catch (const Error& e) {
    std::fprintf(stderr, "vole-bench-audio: %s\n", e.what());
    return 1;
  }
  return 0;
}
