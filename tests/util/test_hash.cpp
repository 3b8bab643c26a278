#include <gtest/gtest.h>

#include "util/hash.h"

using namespace vole;

TEST(Hash, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update(std::string("ab"));
  h.update(std::string("c"));
  EXPECT_EQ(h.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, Xxh3DependsOnContent) {
  std::string a = "vole", b = "volf";
  auto ha = xxh3_64({reinterpret_cast<const uint8_t*>(a.data()), a.size()});
  auto hb = xxh3_64({reinterpret_cast<const uint8_t*>(b.data()), b.size()});
  EXPECT_NE(ha, hb);
}

TEST(Hash, Xxh3StreamEqualsOneShotWhateverThePieces) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "piece " + std::to_string(i * 7919) + "\n";
  uint64_t whole = xxh3_64(std::string_view(text), 42);
  for (size_t step : {1u, 7u, 64u, 240u, 4096u, 100000u}) {
    Xxh3Stream h(42);
    for (size_t at = 0; at < text.size(); at += step) {
      size_t n = std::min(step, text.size() - at);
      h.update({reinterpret_cast<const uint8_t*>(text.data()) + at, n});
    }
    EXPECT_EQ(h.digest(), whole) << "step " << step;
  }
  EXPECT_NE(Xxh3Stream(0).digest(), Xxh3Stream(1).digest());
}
