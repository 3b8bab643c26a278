// main() of every test binary: sets the environment its CMake target asked for
// (VOLE_TEST_ENV, newline-separated NAME=VALUE pairs; variables already set win).
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  std::istringstream env(VOLE_TEST_ENV);
  for (std::string line; std::getline(env, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) setenv(line.substr(0, eq).c_str(), line.substr(eq + 1).c_str(), 0);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
