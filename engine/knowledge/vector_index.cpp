#include "knowledge/vector_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "util/error.h"
#include "util/half.h"

// Built with -O3 (see CMakeLists.txt) so the loops below are vectorized. On x86-64 the int8
// kernel is compiled twice, for AVX2 and for the baseline, and the loader picks one for this CPU;
// the f16 kernel uses F16C + FMA when the CPU has them (checked once), else a portable loop.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VOLE_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VOLE_SIMD_CLONES
#endif

namespace vole::knowledge {

namespace {

VOLE_SIMD_CLONES void dot_int8(const int8_t* rows, size_t n, size_t dims, const int8_t* q, const float* scales,
                               float q_scale, float* out) {
  for (size_t r = 0; r < n; ++r) {
    const int8_t* row = rows + r * dims;
    int32_t sum = 0;
    for (size_t i = 0; i < dims; ++i) sum += int16_t(row[i]) * int16_t(q[i]);
    out[r] = static_cast<float>(sum) * scales[r] * q_scale;
  }
}

void dot_f16_portable(const uint16_t* rows, size_t n, size_t dims, const float* q, float* out) {
  std::vector<float> row(dims);
  for (size_t r = 0; r < n; ++r) {
    f16_to_f32(std::span<const uint16_t>(rows + r * dims, dims), row);
    float sum = 0;
    for (size_t i = 0; i < dims; ++i) sum += row[i] * q[i];
    out[r] = sum;
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// F16C converts eight halves per instruction; FMA accumulates. Chosen at run time.
__attribute__((target("avx2,fma,f16c"))) void dot_f16_avx2(const uint16_t* rows, size_t n, size_t dims, const float* q,
                                                           float* out) {
  size_t body = dims & ~size_t{7};
  for (size_t r = 0; r < n; ++r) {
    const uint16_t* row = rows + r * dims;
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < body; i += 8) {
      __m256 x = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i)));
      acc = _mm256_fmadd_ps(x, _mm256_loadu_ps(q + i), acc);
    }
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    float sum = _mm_cvtss_f32(s);
    for (size_t i = body; i < dims; ++i) sum += f16_to_f32(row[i]) * q[i];
    out[r] = sum;
  }
}

bool cpu_has_f16c() {
  static const bool has =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return has;
}
#endif

void dot_f16(const uint16_t* rows, size_t n, size_t dims, const float* q, float* out) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (cpu_has_f16c()) return dot_f16_avx2(rows, n, dims, q, out);
#endif
  dot_f16_portable(rows, n, dims, q, out);
}

}  // namespace

VectorIndex::VectorIndex(VectorEncoding encoding, size_t dims) : encoding_(encoding), dims_(dims) {
  require(dims > 0, "a vector index needs at least one dimension");
}

void VectorIndex::reserve(size_t rows) {
  ids_.reserve(rows);
  if (encoding_ == VectorEncoding::Int8) {
    int8_rows_.reserve(rows * dims_);
    scales_.reserve(rows);
  } else {
    f16_rows_.reserve(rows * dims_);
  }
}

void VectorIndex::add(ChunkId chunk, std::span<const uint8_t> blob) {
  if (blob.size() != encoded_size(encoding_, dims_))
    fail(ErrorCode::InvalidFile, "the vector of chunk " + std::to_string(chunk) + " has " +
                                     std::to_string(blob.size()) + " bytes, expected " +
                                     std::to_string(encoded_size(encoding_, dims_)));
  ids_.push_back(chunk);
  if (encoding_ == VectorEncoding::Int8) {
    float scale;
    std::memcpy(&scale, blob.data(), 4);
    scales_.push_back(scale);
    const auto* q = reinterpret_cast<const int8_t*>(blob.data() + 4);
    int8_rows_.insert(int8_rows_.end(), q, q + dims_);
  } else {
    size_t at = f16_rows_.size();
    f16_rows_.resize(at + dims_);
    std::memcpy(f16_rows_.data() + at, blob.data(), blob.size());
  }
}

size_t VectorIndex::memory_bytes() const {
  return ids_.capacity() * sizeof(ChunkId) + int8_rows_.capacity() + scales_.capacity() * sizeof(float) +
         f16_rows_.capacity() * sizeof(uint16_t);
}

void VectorIndex::score_all(std::span<const float> query, std::span<float> out) const {
  require(query.size() == dims_,
          "query has " + std::to_string(query.size()) + " dimensions, the index " + std::to_string(dims_));
  require(out.size() == ids_.size(), "score_all needs one output per row");
  if (ids_.empty()) return;
  if (encoding_ == VectorEncoding::F16) return dot_f16(f16_rows_.data(), ids_.size(), dims_, query.data(), out.data());
  // The query is quantized like the rows; int8 x int8 products summed in int32 are exact.
  float max_abs = 0;
  for (float x : query) max_abs = std::max(max_abs, std::fabs(x));
  float q_scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
  std::vector<int8_t> q(dims_);
  for (size_t i = 0; i < dims_; ++i)
    q[i] = static_cast<int8_t>(std::clamp<long>(std::lround(query[i] / q_scale), -127, 127));
  dot_int8(int8_rows_.data(), ids_.size(), dims_, q.data(), scales_.data(), q_scale, out.data());
}

std::vector<ScoredChunk> best_scores(std::span<const float> scores, std::span<const ChunkId> ids, size_t k,
                                     float floor) {
  std::vector<ScoredChunk> hits;
  for (size_t r = 0; r < scores.size(); ++r)
    if (scores[r] >= floor) hits.push_back({ids[r], scores[r]});
  auto better = [](const ScoredChunk& a, const ScoredChunk& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.chunk < b.chunk;
  };
  if (hits.size() > k) {
    std::nth_element(hits.begin(), hits.begin() + static_cast<ptrdiff_t>(k), hits.end(), better);
    hits.resize(k);
  }
  std::sort(hits.begin(), hits.end(), better);
  return hits;
}

std::vector<ScoredChunk> VectorIndex::top_k(std::span<const float> query, size_t k, float floor) const {
  std::vector<float> scores(ids_.size());
  score_all(query, scores);
  return best_scores(scores, ids_, k, floor);
}

}  // namespace vole::knowledge
