#include <gtest/gtest.h>

#include "util/strings.h"

using namespace vole;

TEST(Strings, AsciiLowerAndTrim) {
  EXPECT_EQ(ascii_lower("Content-Type: TEXT/Plain; Ünï"), "content-type: text/plain; Ünï");
  EXPECT_EQ(trim_ascii(" \t\r\n x y \f\v"), "x y");
  EXPECT_EQ(trim_ascii("   "), "");
  EXPECT_EQ(trim_ascii(""), "");
}
