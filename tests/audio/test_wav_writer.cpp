// The WAV writer: round trips through our decoder and through sox (an independent
// reader), clipping, refusals, and the file replaced atomically.
#include <gtest/gtest.h>

#include <cmath>

#include "audio/decode.h"
#include "audio/wav_writer.h"
#include "audio_test_util.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::audio;

namespace {
std::vector<float> tone(int n, int rate, double freq, float amp) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) x[i] = amp * static_cast<float>(std::sin(2 * M_PI * freq * i / rate));
  return x;
}
}  // namespace

TEST(WavWriter, RoundTripsPcm16AndFloat) {
  std::vector<float> x = tone(24000, 24000, 330, 0.7f);
  x[5] = 1.5f;  // clipped to full scale in PCM, kept in float
  x[6] = -2.0f;
  Audio pcm = decode_audio(encode_wav(x, 24000), "pcm.wav", 0);
  ASSERT_EQ(pcm.sample_rate, 24000);
  ASSERT_EQ(pcm.size(), 24000);
  for (size_t i = 0; i < x.size(); ++i) {
    float expected = std::clamp(x[i], -1.0f, 32767.0f / 32768.0f);
    ASSERT_NEAR(pcm.samples[i], expected, 1.0f / 32768.0f) << i;
  }
  Audio flt = decode_audio(encode_wav(x, 24000, WavSampleFormat::Float32), "f.wav", 0);
  EXPECT_EQ(flt.samples, x);
}

TEST(WavWriter, WritesFilesSoxReads) {
  test::TempDir dir;
  auto path = dir / "out.wav";
  write_wav(path, tone(16000, 16000, 440, 0.5f), 16000);
  std::string info = test::run_tool("soxi " + path.string());
  EXPECT_NE(info.find("Sample Rate    : 16000"), std::string::npos) << info;
  EXPECT_NE(info.find("Channels       : 1"), std::string::npos) << info;
  EXPECT_NE(info.find("16000 samples"), std::string::npos) << info;
  // Replacing an existing file leaves no temp file beside it.
  write_wav(path, tone(8000, 16000, 440, 0.5f), 16000);
  EXPECT_EQ(read_audio_file(path).size(), 8000);
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(WavWriter, RefusesBadInput) {
  std::vector<float> nan = {0.0f, std::nanf("")};
  EXPECT_TRUE(test::fails_with([&] { encode_wav(nan, 16000); }, ErrorCode::InvalidArgument, {"non-finite"}));
  EXPECT_TRUE(test::fails_with([] { encode_wav({}, 0); }, ErrorCode::InvalidArgument, {"sample rate"}));
  test::TempDir dir;
  EXPECT_THROW(write_wav(dir / "no" / "such" / "dir.wav", std::vector<float>(10, 0.0f), 16000), Error);
}
