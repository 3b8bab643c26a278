// The audio front door: every supported file type (made by sox), mixing down, resampling
// against reference tones, raw s16 input, and every kind of bad input refused clearly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

#include "audio/decode.h"
#include "audio/resample.h"
#include "audio_test_util.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::audio;
using vole::test::fails_with;

namespace {

struct FileType {
  std::string name;
  std::string sox_output;  // sox options for the output file and its extension
  ContainerFormat container;
  std::string encoding;
  bool lossy = false;
};

std::ostream& operator<<(std::ostream& os, const FileType& t) { return os << t.name; }

const FileType kFileTypes[] = {
    {"wav_pcm16", "-b 16 -e signed-integer {}.wav", ContainerFormat::Wav, "PCM 16-bit"},
    {"wav_pcm24", "-b 24 -e signed-integer {}.wav", ContainerFormat::Wav, "PCM 24-bit"},
    {"wav_pcm32", "-b 32 -e signed-integer {}.wav", ContainerFormat::Wav, "PCM 32-bit"},
    {"wav_pcm8", "-b 8 -e unsigned-integer {}.wav", ContainerFormat::Wav, "PCM unsigned 8-bit"},
    {"wav_float32", "-b 32 -e floating-point {}.wav", ContainerFormat::Wav, "float 32-bit"},
    {"wav_float64", "-b 64 -e floating-point {}.wav", ContainerFormat::Wav, "float 64-bit"},
    {"wav_ulaw", "-e u-law {}.wav", ContainerFormat::Wav, "u-law", true},
    {"aiff_pcm16", "-b 16 {}.aiff", ContainerFormat::Aiff, "PCM 16-bit"},
    {"flac16", "-b 16 {}.flac", ContainerFormat::Flac, "PCM 16-bit"},
    {"flac24", "-b 24 {}.flac", ContainerFormat::Flac, "PCM 24-bit"},
    {"ogg_vorbis", "{}.ogg", ContainerFormat::Ogg, "Vorbis", true},
    {"mp3", "-C 192 {}.mp3", ContainerFormat::Mp3, "MPEG layer III", true},
};

std::string with_path(std::string pattern, const std::filesystem::path& stem) {
  return pattern.replace(pattern.find("{}"), 2, stem.string());
}
std::string path_of(const std::string& pattern, const std::filesystem::path& stem) {
  std::string p = with_path(pattern, stem);
  return p.substr(p.rfind(' ') + 1);
}

class EachFileType : public ::testing::TestWithParam<FileType> {};

}  // namespace

// A 1.5 s 440 Hz tone at 44.1 kHz in each format decodes to 16 kHz mono with the same
// pitch (within 0.5 %), level and length.
TEST_P(EachFileType, DecodesToneAt16kHz) {
  const FileType& t = GetParam();
  test::TempDir dir;
  test::sox("-n -r 44100 -c 1 " + with_path(t.sox_output, dir / "tone") + " synth 1.5 sine 440 vol 0.5");
  auto path = path_of(t.sox_output, dir / "tone");

  AudioDecoder decoder = AudioDecoder::open_file(path);
  EXPECT_EQ(decoder.info().container, t.container);
  EXPECT_EQ(decoder.info().encoding, t.encoding);
  EXPECT_EQ(decoder.info().sample_rate, 44100);
  EXPECT_EQ(decoder.info().channels, 1);

  Audio a = read_audio_file(path);
  EXPECT_EQ(a.sample_rate, kSpeechSampleRate);
  // MP3 and Vorbis add encoder delay and padding (tens of ms).
  EXPECT_NEAR(a.seconds(), 1.5, t.lossy ? 0.08 : 0.002) << t.name;
  EXPECT_NEAR(test::tone_frequency(a.samples, a.sample_rate, 0.1), 440.0, 440.0 * 0.005) << t.name;
  EXPECT_NEAR(test::rms(a.samples, 1600, a.size() - 1600), 0.5 / std::sqrt(2.0), t.lossy ? 0.02 : 0.004) << t.name;
}

INSTANTIATE_TEST_SUITE_P(Audio, EachFileType, ::testing::ValuesIn(kFileTypes),
                         [](const auto& info) { return info.param.name; });

// Channels are averaged: a tone in one of two channels comes out at half its level, in
// one of four at a quarter; opposite phases cancel (so it is a mix, not the first channel).
TEST(AudioDecode, MixesChannelsDown) {
  test::TempDir dir;
  auto tone = dir / "tone.wav";
  test::sox("-n -r 16000 -b 16 " + tone.string() + " synth 1 sine 500 vol 0.8");
  double mono = test::rms(read_audio_file(tone).samples);
  struct Case {
    std::string remix;
    int channels;
    double ratio;
  } cases[] = {{"1 0", 2, 0.5}, {"0 1 0 0", 4, 0.25}, {"1 1v-1", 2, 0.0}, {"1 1 1 1 1 1", 6, 1.0}};
  for (const auto& c : cases) {
    auto out = dir / ("mix" + std::to_string(c.channels) + ".wav");
    test::sox(tone.string() + " " + out.string() + " remix " + c.remix);
    AudioDecoder decoder = AudioDecoder::open_file(out);
    EXPECT_EQ(decoder.info().channels, c.channels);
    Audio a = read_audio_file(out);
    EXPECT_NEAR(test::rms(a.samples), mono * c.ratio, 2e-3) << "remix " << c.remix;
  }
}

// Tones at several rates keep their frequency within 0.5 % when converted to 16 kHz.
TEST(AudioResample, PreservesToneFrequency) {
  struct Case {
    int rate;
    double freq;
  } cases[] = {{8000, 1000}, {22050, 440}, {44100, 1000}, {48000, 3000}, {96000, 5000}, {11025, 4000}};
  for (const auto& c : cases) {
    std::vector<float> x(static_cast<size_t>(c.rate * 2));
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * static_cast<float>(std::sin(2 * M_PI * c.freq * i / c.rate));
    std::vector<float> y = resample(x, c.rate, 16000);
    EXPECT_NEAR(static_cast<double>(y.size()), 32000.0, 2.0) << c.rate;
    EXPECT_NEAR(test::tone_frequency(y, 16000), c.freq, c.freq * 0.005) << c.rate << " Hz";
    EXPECT_NEAR(test::rms(y, 1600, 30400), 0.5 / std::sqrt(2.0), 0.01) << c.rate << " Hz";
  }
}

// Frequencies above the new Nyquist limit are filtered out, not folded back: an 11 kHz
// tone at 48 kHz would alias to 5 kHz at full level under naive decimation.
TEST(AudioResample, RemovesFrequenciesAboveNyquist) {
  const int rate = 48000;
  std::vector<float> x(rate);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * static_cast<float>(std::sin(2 * M_PI * 11000.0 * i / rate));
  std::vector<float> y = resample(x, rate, 16000);
  EXPECT_LT(test::rms(y, 1600, 14400), 1e-3);
  std::vector<float> naive;
  for (size_t i = 0; i < x.size(); i += 3) naive.push_back(x[i]);
  EXPECT_GT(test::rms(naive), 0.3);  // what the test would see from decimation
}

// Block-by-block conversion gives the same samples as one call, whatever the blocks.
TEST(AudioResample, StreamingMatchesOneShot) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.2f);
  std::vector<float> x(44100);
  for (float& v : x) v = noise(rng);
  std::vector<float> whole = resample(x, 44100, 16000);
  Resampler r(44100, 16000);
  std::vector<float> streamed;
  for (size_t i = 0; i < x.size();) {
    size_t n = std::min<size_t>(1 + rng() % 3000, x.size() - i);
    r.process(std::span<const float>(x).subspan(i, n), streamed);
    i += n;
  }
  r.finish(streamed);
  ASSERT_EQ(streamed.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) ASSERT_NEAR(streamed[i], whole[i], 1e-6f) << i;
}

TEST(AudioResample, EqualRatesCopyAndBadRatesAreRefused) {
  std::vector<float> x = {0.1f, -0.2f, 0.3f};
  EXPECT_EQ(resample(x, 16000, 16000), x);
  EXPECT_TRUE(fails_with([] { Resampler(0, 16000); }, ErrorCode::InvalidArgument, {"rates"}));
  EXPECT_TRUE(fails_with([] { Resampler(16000, 2'000'000); }, ErrorCode::InvalidArgument, {"rates"}));
}

// A file can be decoded at its own rate (output rate 0), block by block.
TEST(AudioDecode, KeepsNativeRateAndStreamsBlocks) {
  test::TempDir dir;
  auto path = dir / "t.wav";
  test::sox("-n -r 22050 -b 16 " + path.string() + " synth 0.5 sine 300");
  Audio a = read_audio_file(path, 0);
  EXPECT_EQ(a.sample_rate, 22050);
  EXPECT_EQ(a.size(), 11025);
  AudioDecoder d = AudioDecoder::open_file(path, 0);
  std::vector<float> blocks;
  int calls = 0;
  while (d.read(blocks, 1000)) ++calls;
  EXPECT_EQ(calls, 12);
  EXPECT_EQ(blocks, a.samples);
  EXPECT_FALSE(d.read(blocks));
}

// Raw little-endian s16 (stdin for `vole transcribe -`): exact values, resampling,
// and refusals of odd byte counts and empty input.
TEST(AudioDecode, ReadsRawS16) {
  std::vector<int16_t> values = {0, 1, -1, 32767, -32768, 1234, -4321};
  std::string bytes;
  for (int16_t v : values) {
    bytes.push_back(static_cast<char>(v & 0xff));
    bytes.push_back(static_cast<char>((v >> 8) & 0xff));
  }
  std::istringstream in(bytes);
  Audio a = read_raw_s16le(in, "stdin");
  ASSERT_EQ(a.size(), 7);
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(a.samples[i], values[i] / 32768.0f);

  std::string tone;
  for (int i = 0; i < 8000; ++i) {
    auto v = static_cast<int16_t>(16000 * std::sin(2 * M_PI * 500.0 * i / 8000));
    tone.push_back(static_cast<char>(v & 0xff));
    tone.push_back(static_cast<char>((v >> 8) & 0xff));
  }
  std::istringstream in8(tone);
  Audio up = read_raw_s16le(in8, "stdin", 8000);
  EXPECT_EQ(up.size(), 16000);
  EXPECT_NEAR(test::tone_frequency(up.samples, 16000), 500.0, 2.5);

  std::istringstream odd(std::string("\x01\x02\x03", 3));
  EXPECT_TRUE(fails_with([&] { read_raw_s16le(odd, "stdin"); }, ErrorCode::InvalidFile, {"stdin", "odd number"}));
  std::istringstream empty;
  EXPECT_TRUE(fails_with([&] { read_raw_s16le(empty, "stdin"); }, ErrorCode::InvalidFile, {"stdin", "no audio"}));
}

// Bad files: each refusal names the file and says what is wrong.
TEST(AudioDecode, RefusesBadFilesClearly) {
  test::TempDir dir;
  auto good = dir / "good.wav";
  test::sox("-n -r 16000 -b 16 " + good.string() + " synth 0.5 sine 440");
  std::vector<uint8_t> wav = test::read_bytes(good);
  auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    test::write_bytes(dir / name, bytes);
    return (dir / name).string();
  };
  auto decode = [](const std::string& path) { return [path] { read_audio_file(path); }; };

  EXPECT_TRUE(fails_with(decode(write("empty.wav", {})), ErrorCode::InvalidFile, {"empty.wav", "empty"}));
  std::string text = "this is not audio at all, just text";
  EXPECT_TRUE(fails_with(decode(write("notes.wav", {text.begin(), text.end()})), ErrorCode::Unsupported,
                         {"notes.wav", "not an audio file", "WAV, FLAC"}));
  std::vector<uint8_t> mp4 = {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'M', '4', 'A', ' ', 0, 0, 0, 0};
  EXPECT_TRUE(fails_with(decode(write("song.m4a", mp4)), ErrorCode::Unsupported, {"song.m4a", "MP4"}));
  std::mt19937 rng(1);
  std::vector<uint8_t> noise(4096);
  for (auto& b : noise) b = static_cast<uint8_t>(rng());
  noise[0] = 'X';  // not an MPEG sync byte by chance
  EXPECT_TRUE(fails_with(decode(write("noise.bin", noise)), ErrorCode::Unsupported, {"noise.bin"}));

  // A RIFF/WAVE header and nothing else.
  EXPECT_TRUE(fails_with(decode(write("header.wav", {wav.begin(), wav.begin() + 12})), ErrorCode::InvalidFile,
                         {"header.wav", "damaged or truncated WAV"}));
  // Zero channels in the fmt chunk (bytes 22-23 of sox's canonical header).
  auto zero_channels = wav;
  zero_channels[22] = zero_channels[23] = 0;
  EXPECT_TRUE(fails_with(decode(write("channels.wav", zero_channels)), ErrorCode::InvalidFile, {"channels.wav"}));
  // A complete header whose data chunk is empty.
  auto no_data = std::vector<uint8_t>(wav.begin(), wav.begin() + 44);
  std::memset(no_data.data() + 40, 0, 4);
  EXPECT_TRUE(fails_with(decode(write("nodata.wav", no_data)), ErrorCode::InvalidFile, {"nodata.wav", "no audio"}));

  // A FLAC file cut in half.
  auto flac = dir / "t.flac";
  test::sox("-R -n -r 16000 " + flac.string() + " synth 2 whitenoise vol 0.3");
  auto flac_bytes = test::read_bytes(flac);
  flac_bytes.resize(flac_bytes.size() / 2);
  EXPECT_TRUE(fails_with(decode(write("cut.flac", flac_bytes)), ErrorCode::InvalidFile, {"cut.flac", "FLAC"}));

  // NaN samples in a float WAV.
  auto fwav = dir / "f.wav";
  test::sox("-n -r 16000 -b 32 -e floating-point " + fwav.string() + " synth 0.1 sine 440");
  auto fbytes = test::read_bytes(fwav);
  const uint8_t nan_bits[4] = {0x00, 0x00, 0xc0, 0x7f};
  std::memcpy(fbytes.data() + fbytes.size() - 400, nan_bits, 4);
  EXPECT_TRUE(fails_with(decode(write("nan.wav", fbytes)), ErrorCode::InvalidFile, {"nan.wav", "non-finite"}));

  EXPECT_TRUE(fails_with(decode((dir / "missing.wav").string()), ErrorCode::NotFound, {"missing.wav"}));
  EXPECT_TRUE(fails_with(decode(dir.path().string()), ErrorCode::InvalidArgument, {"not a regular file"}));
  EXPECT_TRUE(fails_with([&] { read_audio_file(good, 16000, DecodeLimits{0.25}); }, ErrorCode::InvalidArgument,
                         {"good.wav", "limit"}));
}

// A WAV whose recording was cut off (its header promises more data than the file has)
// is read as far as it goes: an interrupted recording is still worth transcribing.
TEST(AudioDecode, ReadsCutOffWavAsFarAsItGoes) {
  test::TempDir dir;
  auto path = dir / "long.wav";
  test::sox("-n -r 16000 -b 16 " + path.string() + " synth 2 sine 440");
  auto bytes = test::read_bytes(path);
  bytes.resize(44 + 16000 * 2);  // the header and one second
  test::write_bytes(dir / "cut.wav", bytes);
  Audio a = read_audio_file(dir / "cut.wav");
  EXPECT_EQ(a.size(), 16000);
}

TEST(AudioDecode, SniffsContainers) {
  auto bytes = [](const char* s, size_t n) { return std::vector<uint8_t>(s, s + n); };
  EXPECT_EQ(sniff_container(bytes("RIFF\0\0\0\0WAVEfmt ", 16)), ContainerFormat::Wav);
  EXPECT_EQ(sniff_container(bytes("RF64\0\0\0\0WAVEds64", 16)), ContainerFormat::Wav);
  EXPECT_EQ(sniff_container(bytes("FORM\0\0\0\0AIFFCOMM", 16)), ContainerFormat::Aiff);
  EXPECT_EQ(sniff_container(bytes("fLaC\0\0\0\x22", 8)), ContainerFormat::Flac);
  EXPECT_EQ(sniff_container(bytes("OggS\0\x02", 6)), ContainerFormat::Ogg);
  EXPECT_EQ(sniff_container(bytes("ID3\x04\0\0", 6)), ContainerFormat::Mp3);
  EXPECT_EQ(sniff_container(bytes("\xff\xfb\x90\x64", 4)), ContainerFormat::Mp3);
  EXPECT_EQ(sniff_container(bytes("\xff\xff\xff\xff", 4)), std::nullopt);  // reserved layer/bitrate
  EXPECT_EQ(sniff_container(bytes("RIFF\0\0\0\0AVI LIST", 16)), std::nullopt);
  EXPECT_EQ(sniff_container(bytes("RIF", 3)), std::nullopt);
}
