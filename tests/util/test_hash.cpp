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
