// Vector storage (int8, f16) and the exact CPU search, against plain f32 arithmetic.
#include <cmath>
#include <random>

#include "knowledge/knowledge_test.h"
#include "knowledge/vector_index.h"

using namespace vole;
using namespace vole::knowledge;

namespace {

std::vector<float> random_unit(std::mt19937& rng, size_t dims) {
  std::normal_distribution<float> n(0, 1);
  std::vector<float> v(dims);
  for (auto& x : v) x = n(rng);
  normalize(v);
  return v;
}

float dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return static_cast<float>(s);
}

}  // namespace

TEST(Vectors, CodecsRoundTripWithinTheirPrecision) {
  std::mt19937 rng(1);
  for (size_t dims : {1u, 7u, 128u, 768u}) {
    auto v = random_unit(rng, dims);
    for (VectorEncoding e : {VectorEncoding::Int8, VectorEncoding::F16}) {
      auto blob = encode_vector(v, e);
      EXPECT_EQ(blob.size(), encoded_size(e, dims));
      auto back = decode_vector(blob, e, dims);
      float max_abs = 0;
      for (float x : v) max_abs = std::max(max_abs, std::fabs(x));
      float tolerance = e == VectorEncoding::Int8 ? max_abs / 127.0f * 0.5001f : 1e-3f * max_abs + 1e-7f;
      for (size_t i = 0; i < dims; ++i) EXPECT_NEAR(back[i], v[i], tolerance);
    }
  }
  EXPECT_THROW(decode_vector(std::vector<uint8_t>(10), VectorEncoding::Int8, 768), Error);
  auto zero = encode_vector(std::vector<float>(16, 0.0f), VectorEncoding::Int8);
  for (float x : decode_vector(zero, VectorEncoding::Int8, 16)) EXPECT_EQ(x, 0.0f);
}

TEST(Vectors, ExactSearchMatchesBruteForce) {
  std::mt19937 rng(7);
  const size_t dims = 96, n = 3000;
  std::vector<std::vector<float>> rows;
  for (VectorEncoding e : {VectorEncoding::Int8, VectorEncoding::F16}) {
    VectorIndex index(e, dims);
    rows.clear();
    for (size_t i = 0; i < n; ++i) {
      rows.push_back(random_unit(rng, dims));
      index.add(static_cast<ChunkId>(i + 1), encode_vector(rows.back(), e));
    }
    for (int q = 0; q < 20; ++q) {
      auto query = random_unit(rng, dims);
      std::vector<float> scores(n);
      index.score_all(query, scores);
      for (size_t i = 0; i < n; ++i)
        EXPECT_NEAR(scores[i], dot(rows[i], query), e == VectorEncoding::Int8 ? 0.02f : 0.002f);
      // The top 10 agree with f32 brute force up to near-ties.
      auto top = index.top_k(query, 10, -1.0f);
      ASSERT_EQ(top.size(), 10u);
      std::vector<float> exact;
      for (const auto& r : rows) exact.push_back(dot(r, query));
      std::vector<float> sorted = exact;
      std::sort(sorted.rbegin(), sorted.rend());
      for (size_t k = 0; k < top.size(); ++k) {
        EXPECT_NEAR(exact[static_cast<size_t>(top[k].chunk - 1)], sorted[k],
                    e == VectorEncoding::Int8 ? 0.03f : 0.003f);
        if (k > 0) {
          EXPECT_GE(top[k - 1].similarity, top[k].similarity);
        }
      }
    }
  }
}

TEST(Vectors, FloorAndKnownGeometry) {
  // Four orthogonal topics; rows are a topic direction plus a little noise.
  const size_t dims = 32;
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0, 0.05f);
  VectorIndex index(VectorEncoding::Int8, dims);
  for (int topic = 0; topic < 4; ++topic)
    for (int j = 0; j < 25; ++j) {
      std::vector<float> v(dims, 0.0f);
      v[static_cast<size_t>(topic)] = 1.0f;
      for (auto& x : v) x += noise(rng);
      normalize(v);
      index.add(topic * 100 + j, encode_vector(v, VectorEncoding::Int8));
    }
  std::vector<float> q(dims, 0.0f);
  q[2] = 1.0f;
  auto hits = index.top_k(q, 50, 0.5f);
  ASSERT_EQ(hits.size(), 25u);
  for (const auto& h : hits) EXPECT_EQ(h.chunk / 100, 2);
  // A direction no topic has: nothing clears the floor.
  std::vector<float> far(dims, 0.0f);
  far[20] = 1.0f;
  EXPECT_TRUE(index.top_k(far, 10, 0.5f).empty());
  EXPECT_EQ(index.top_k(far, 10, -2.0f).size(), 10u);
  EXPECT_THROW(index.top_k(std::vector<float>(dims + 1), 1, 0), Error);
  EXPECT_THROW(index.add(1, std::vector<uint8_t>(3)), Error);
}
