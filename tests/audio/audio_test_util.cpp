#include "audio_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace vole::test {

std::string run_tool(const std::string& command) {
  std::string output;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + command);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  int status = ::pclose(p);
  if (status != 0)
    throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command + "\n" + output);
  return output;
}

void sox(const std::string& args) { run_tool("sox " + args); }

void espeak(const std::filesystem::path& out_wav, const std::string& text) {
  run_tool("espeak-ng -w '" + out_wav.string() + "' '" + text + "'");
}

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

double tone_frequency(const std::vector<float>& x, int rate, double skip_s) {
  int64_t begin = static_cast<int64_t>(skip_s * rate), end = static_cast<int64_t>(x.size()) - begin;
  double first = -1, last = -1;
  int64_t crossings = 0;
  for (int64_t i = begin; i + 1 < end; ++i) {
    if ((x[i] < 0) != (x[i + 1] < 0)) {
      double t = static_cast<double>(i) + x[i] / (x[i] - x[i + 1]);  // where the line crosses zero
      if (first < 0) first = t;
      last = t;
      ++crossings;
    }
  }
  if (crossings < 3) return 0;
  return (crossings - 1) / 2.0 / ((last - first) / rate);
}

double rms(const std::vector<float>& x, int64_t begin, int64_t end) {
  if (end < 0) end = static_cast<int64_t>(x.size());
  double sum = 0;
  for (int64_t i = begin; i < end; ++i) sum += static_cast<double>(x[i]) * x[i];
  return end > begin ? std::sqrt(sum / static_cast<double>(end - begin)) : 0.0;
}

}  // namespace vole::test
