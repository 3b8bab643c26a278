#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/hash.h"

using namespace vole;

TEST(Hash, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update(std::string("ab"));
  h.update(std::string("c"));
  EXPECT_EQ(h.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, HexIsTwoLowerCaseDigitsPerByteInOrder) {
  EXPECT_EQ(to_hex({}), "");
  const uint8_t bytes[] = {0x00, 0x01, 0x0f, 0x10, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff};
  EXPECT_EQ(to_hex(bytes), "00010f107f80abcdefff");
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  std::string hex = to_hex(all);
  ASSERT_EQ(hex.size(), 512u);
  for (int i = 0; i < 256; ++i) EXPECT_EQ(std::stoi(hex.substr(2 * i, 2), nullptr, 16), i) << "byte " << i;
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
