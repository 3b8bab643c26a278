// Deterministic mutation fuzz of the audio entry point (decode_audio): small valid files
// of every supported type, mutated thousands of ways. Each must decode or throw
// vole::Error; never crash, hang or read out of bounds (the ASan build in tests/run.sh
// checks the last). tests/fuzz/fuzz_audio_decode.cpp is the libFuzzer harness for
// longer runs.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>

#include "audio/decode.h"
#include "audio_test_util.h"
#include "support/temp_dir.h"

using namespace vole;

namespace {

std::vector<std::vector<uint8_t>> seed_files() {
  test::TempDir dir;
  const char* outputs[] = {
      "-b 16 s.wav", "-b 24 -c 2 s2.wav", "-e floating-point -b 32 sf.wav", "-b 16 s.aiff", "s.flac", "s.ogg",
      "s.mp3",       "-e u-law su.wav"};
  std::vector<std::vector<uint8_t>> seeds;
  for (const char* out : outputs) {
    std::string o = out;
    std::string name = o.substr(o.rfind(' ') + 1);
    std::string opts = o.substr(0, o.size() - name.size());
    test::sox("-n -r 8000 " + opts + (dir / name).string() + " synth 0.1 sine 440 vol 0.5");
    seeds.push_back(test::read_bytes(dir / name));
  }
  return seeds;
}

// One random edit of a file, biased towards the headers where the parsing happens.
void mutate(std::vector<uint8_t>& f, std::mt19937_64& rng) {
  auto pos = [&](size_t limit) { return f.empty() ? 0 : static_cast<size_t>(rng() % std::min(f.size(), limit)); };
  switch (rng() % 7) {
    case 0:  // flip bits in the first 256 bytes
      if (!f.empty()) f[pos(256)] ^= static_cast<uint8_t>(1u << (rng() % 8));
      break;
    case 1:  // a random byte anywhere
      if (!f.empty()) f[pos(f.size())] = static_cast<uint8_t>(rng());
      break;
    case 2: {  // an extreme 32-bit little-endian value over a header field
      static const uint32_t extremes[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 44, 8};
      size_t at = pos(128);
      uint32_t v = extremes[rng() % 8];
      for (int b = 0; b < 4 && at + b < f.size(); ++b) f[at + b] = static_cast<uint8_t>(v >> (8 * b));
      break;
    }
    case 3:  // truncate
      f.resize(pos(f.size() + 1));
      break;
    case 4: {  // insert random bytes
      size_t at = pos(f.size() + 1);
      std::vector<uint8_t> junk(1 + rng() % 16);
      for (auto& b : junk) b = static_cast<uint8_t>(rng());
      f.insert(f.begin() + static_cast<std::ptrdiff_t>(at), junk.begin(), junk.end());
      break;
    }
    case 5: {  // duplicate a block (repeated chunks, pages, frames)
      if (f.size() < 8) break;
      size_t at = pos(f.size() - 4), len = 1 + rng() % std::min<size_t>(64, f.size() - at);
      std::vector<uint8_t> block(f.begin() + static_cast<std::ptrdiff_t>(at),
                                 f.begin() + static_cast<std::ptrdiff_t>(at + len));
      f.insert(f.begin() + static_cast<std::ptrdiff_t>(pos(f.size())), block.begin(), block.end());
      break;
    }
    default:  // erase a block
      if (f.size() > 8) {
        size_t at = pos(f.size() - 1), len = 1 + rng() % std::min<size_t>(32, f.size() - at);
        f.erase(f.begin() + static_cast<std::ptrdiff_t>(at), f.begin() + static_cast<std::ptrdiff_t>(at + len));
      }
  }
}

}  // namespace

TEST(AudioFuzz, MutatedFilesNeverCrash) {
  auto seeds = seed_files();
  for (const auto& s : seeds) EXPECT_NO_THROW(audio::decode_audio(s, "seed")) << "every seed is valid";
  std::mt19937_64 rng(20260614);
  int decoded = 0, refused = 0;
  auto start = std::chrono::steady_clock::now();
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<uint8_t> f = seeds[iter % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) mutate(f, rng);
    try {
      audio::Audio a = audio::decode_audio(f, "mutant", 16000, audio::DecodeLimits{60.0});
      for (float v : a.samples) ASSERT_TRUE(std::isfinite(v)) << "iteration " << iter;
      ++decoded;
    } catch (const Error&) {
      ++refused;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("audio fuzz: %d decoded, %d refused in %.1f s\n", decoded, refused, seconds);
  EXPECT_GT(decoded, 100);
  EXPECT_GT(refused, 100);
}
