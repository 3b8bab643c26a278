// vole-bench-model-load -m DIR [--format q4|f16|f32|source] [--cold]
// Times loading a model folder's text weights three ways in one run: without a cache
// (conversion every time), the first cached load (conversion + writing the cache), and
// the cached load (mapping the cache). Each visitor copies every tensor into a host
// buffer, standing in for the upload, so the last line shows how the cached load
// compares with the copy it feeds. --cold asks the kernel to drop the files' pages
// first (posix_fadvise), so disk reads are included.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "arch/families.h"
#include "model/weight_cache.h"
#include "model/weight_loader.h"
#include "util/error.h"

using namespace vole;
using namespace vole::model;

namespace {

void drop_pages(const std::filesystem::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

struct Run {
  double seconds = 0, copy_seconds = 0;
  LoadStats stats;
};

Run run(ModelFolder& folder, LoadOptions o, bool cold) {
  if (cold) {
    for (const auto& s : folder.weight_sources()) drop_pages(folder.dir() / s.name);
    drop_pages(weight_cache_path(folder.dir(), o.cache));
  }
  std::vector<uint8_t> staging;
  Run r;
  auto t0 = std::chrono::steady_clock::now();
  WeightLoader loader(folder, o);
  loader.load([&](const HostTensor& t, const PlannedTensor&) {
    auto c0 = std::chrono::steady_clock::now();
    size_t need = t.data.size() + t.scales.size();
    if (staging.size() < need) staging.resize(need);
    std::memcpy(staging.data(), t.data.data(), t.data.size());
    if (!t.scales.empty()) std::memcpy(staging.data() + t.data.size(), t.scales.data(), t.scales.size());
    r.copy_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
  });
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.stats = loader.stats();
  return r;
}

void print(const char* what, const Run& r) {
  std::printf("%-22s %7.3f s  (convert %6.3f s, verify %6.3f s, copy %6.3f s; %zu converted, %zu cached, %zu direct; %.0f MiB out)\n",
              what, r.seconds, r.stats.convert_seconds, r.stats.verify_seconds, r.copy_seconds, r.stats.converted,
              r.stats.from_cache, r.stats.direct, static_cast<double>(r.stats.bytes_delivered) / (1 << 20));
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, format = "q4";
  bool cold = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "-m" || a == "--model") && i + 1 < argc) dir = argv[++i];
    else if (a == "--format" && i + 1 < argc) format = argv[++i];
    else if (a == "--cold") cold = true;
    else {
      std::fprintf(stderr, "usage: vole-bench-model-load -m DIR [--format q4|f16|f32|source] [--cold]\n");
      return 2;
    }
  }
  auto f = parse_format(format);
  if (dir.empty() || !f) {
    std::fprintf(stderr, "usage: vole-bench-model-load -m DIR [--format q4|f16|f32|source] [--cold]\n");
    return 2;
  }
  try {
    ModelFolder folder(dir, arch::families());
    LoadOptions o;
    o.matrices = *f;
    o.cache = CachePolicy::Off;
    Run uncached = run(folder, o, cold);
    o.cache = CachePolicy::Auto;
    std::filesystem::remove(weight_cache_path(folder.dir(), o.cache));
    Run first = run(folder, o, cold);
    Run cached = run(folder, o, cold);
    std::printf("model %s, matrices as %s%s, %u threads\n", dir.c_str(), format.c_str(), cold ? ", cold page cache" : "",
                std::thread::hardware_concurrency());
    print("no cache", uncached);
    print("first load (writes)", first);
    print("cached load", cached);
    std::printf("cache %s: %s, %.0f MiB\n", cached.stats.cache_path.c_str(), cached.stats.cache_status.c_str(),
                static_cast<double>(std::filesystem::file_size(cached.stats.cache_path)) / (1 << 20));
    std::printf("ratios: first/no-cache %.2f, cached/no-cache %.3f, cached load / its host copy %.2f\n",
                first.seconds / uncached.seconds, cached.seconds / uncached.seconds, cached.seconds / cached.copy_seconds);
  } catch (const Error& e) {
    std::fprintf(stderr, "vole-bench-model-load: %s\n", e.what());
    return 1;
  }
  return 0;
}
