#include "reference/linear.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "util/half.h"

namespace vole::ref {

namespace {

uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

void store_u16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Scale and min of group g of row r (Q4).
void q4_group(const HostTensor& w, int64_t r, int64_t g, float& scale, float& min) {
  const uint8_t* p = w.scales.data() + (r * (w.shape[1] / w.group_size) + g) * 4;
  scale = f16_to_f32(load_u16(p));
  min = f16_to_f32(load_u16(p + 2));
}

}  // namespace

HostTensor HostMatrix::view() const {
  HostTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = {rows, cols};
  t.data = data;
  t.scales = scales;
  t.group_size = group_size;
  return t;
}

HostMatrix make_matrix(const std::vector<float>& values, int64_t rows, int64_t cols, DType dtype) {
  if (static_cast<int64_t>(values.size()) != rows * cols) throw std::invalid_argument("make_matrix: size mismatch");
  HostMatrix m;
  m.dtype = dtype;
  m.rows = rows;
  m.cols = cols;
  if (dtype == DType::F32) {
    m.data.resize(values.size() * 4);
    std::memcpy(m.data.data(), values.data(), m.data.size());
  } else if (dtype == DType::F16 || dtype == DType::BF16) {
    m.data.resize(values.size() * 2);
    for (size_t i = 0; i < values.size(); ++i)
      store_u16(m.data.data() + 2 * i, dtype == DType::F16 ? f32_to_f16(values[i]) : f32_to_bf16(values[i]));
  } else {
    throw std::invalid_argument("make_matrix: use quantize_q4 for int4");
  }
  return m;
}

HostMatrix quantize_q4(const std::vector<float>& values, int64_t rows, int64_t cols, int group_size) {
  if (static_cast<int64_t>(values.size()) != rows * cols || cols % group_size != 0)
    throw std::invalid_argument("quantize_q4: bad shape");
  HostMatrix m;
  m.dtype = DType::Q4;
  m.rows = rows;
  m.cols = cols;
  m.group_size = group_size;
  m.data.assign(values.size() / 2, 0);
  m.scales.resize(static_cast<size_t>(rows * (cols / group_size) * 4));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < cols / group_size; ++g) {
      const float* v = values.data() + r * cols + g * group_size;
      auto [lo, hi] = std::minmax_element(v, v + group_size);
      uint16_t scale16 = f32_to_f16((*hi - *lo) / 15.0f), min16 = f32_to_f16(*lo);
      uint8_t* sp = m.scales.data() + (r * (cols / group_size) + g) * 4;
      store_u16(sp, scale16);
      store_u16(sp + 2, min16);
      // Quantise against the stored (f16-rounded) scale and min, which is what dequantises.
      float scale = f16_to_f32(scale16), min = f16_to_f32(min16);
      for (int i = 0; i < group_size; ++i) {
        float q = scale > 0 ? std::round((v[i] - min) / scale) : 0.0f;
        uint32_t qi = static_cast<uint32_t>(std::clamp(q, 0.0f, 15.0f));
        int64_t e = r * cols + g * group_size + i;
        m.data[e / 2] |= static_cast<uint8_t>(qi << (4 * (e % 2)));
      }
    }
  return m;
}

HostMatrix random_matrix(int64_t rows, int64_t cols, DType dtype, uint64_t seed, int group_size) {
  HostMatrix m;
  m.dtype = dtype;
  m.rows = rows;
  m.cols = cols;
  uint64_t state = seed * 0x2545f4914f6cdd1dull + 1;
  const int64_t n = rows * cols;
  switch (dtype) {
    case DType::F32: {
      m.data.resize(n * 4);
      for (int64_t i = 0; i < n; ++i) {
        float f = static_cast<float>(static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-52 - 1.0);
        std::memcpy(m.data.data() + 4 * i, &f, 4);
      }
      break;
    }
    case DType::F16:
    case DType::BF16: {
      // Random sign, exponent and mantissa bits straight into the format: no conversions.
      m.data.resize(n * 2);
      for (int64_t i = 0; i < n; i += 4) {
        uint64_t bits = splitmix64(state);
        for (int64_t j = i; j < std::min(n, i + 4); ++j, bits >>= 16) {
          uint16_t b = static_cast<uint16_t>(bits);
          uint16_t sign = b & 0x8000u, exp = (b >> 12) % 6;  // 6 binades: [2^-5, 2)
          uint16_t h =
              dtype == DType::F16 ? sign | ((10 + exp) << 10) | (b & 0x3ffu) : sign | ((122 + exp) << 7) | (b & 0x7fu);
          store_u16(m.data.data() + 2 * j, h);
        }
      }
      break;
    }
    case DType::Q4: {
      m.group_size = group_size;
      m.data.resize(n / 2);
      for (int64_t i = 0; i < n / 2; i += 8) {
        uint64_t bits = splitmix64(state);
        std::memcpy(m.data.data() + i, &bits, static_cast<size_t>(std::min<int64_t>(8, n / 2 - i)));
      }
      int64_t groups = rows * (cols / group_size);
      m.scales.resize(groups * 4);
      for (int64_t g = 0; g < groups; ++g) {
        uint64_t bits = splitmix64(state);
        float scale = (1.0f + 3.0f * static_cast<float>(bits & 0xffff) / 65535.0f) / 64.0f;
        float min = -0.5f * static_cast<float>((bits >> 16) & 0xffff) / 65535.0f;
        store_u16(m.scales.data() + 4 * g, f32_to_f16(scale));
        store_u16(m.scales.data() + 4 * g + 2, f32_to_f16(min));
      }
      break;
    }
    default:
      throw std::invalid_argument("random_matrix: not a weight dtype");
  }
  return m;
}

std::vector<float> dequantize_row(const HostTensor& w, int64_t row) {
  const int64_t cols = w.shape[1];
  std::vector<float> out(cols);
  const int64_t base = row * cols;
  switch (w.dtype) {
    case DType::F32:
      std::memcpy(out.data(), w.data.data() + base * 4, cols * 4);
      break;
    case DType::F16:
      for (int64_t c = 0; c < cols; ++c) out[c] = f16_to_f32(load_u16(w.data.data() + (base + c) * 2));
      break;
    case DType::BF16:
      for (int64_t c = 0; c < cols; ++c) out[c] = bf16_to_f32(load_u16(w.data.data() + (base + c) * 2));
      break;
    case DType::Q4:
      for (int64_t g = 0; g < cols / w.group_size; ++g) {
        float scale, min;
        q4_group(w, row, g, scale, min);
        for (int64_t c = g * w.group_size; c < (g + 1) * w.group_size; ++c) {
          int64_t e = base + c;
          uint32_t q = (w.data[e / 2] >> (4 * (e % 2))) & 0xfu;
          out[c] = static_cast<float>(q) * scale + min;
        }
      }
      break;
    default:
      throw std::invalid_argument("dequantize_row: not a weight dtype");
  }
  return out;
}

std::vector<float> dequantize(const HostTensor& w) {
  std::vector<float> out;
  out.reserve(w.shape[0] * w.shape[1]);
  for (int64_t r = 0; r < w.shape[0]; ++r) {
    auto row = dequantize_row(w, r);
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

LinearResult linear(const std::vector<float>& x, int64_t tokens, const HostTensor& w) {
  const int64_t rows = w.shape[0], cols = w.shape[1];
  if (static_cast<int64_t>(x.size()) != tokens * cols) throw std::invalid_argument("ref::linear: x size mismatch");
  LinearResult r;
  r.y.resize(tokens * rows);
  r.magnitude.resize(tokens * rows);
  std::vector<double> terms(cols);  // per-element size of what the kernel rounds
  for (int64_t n = 0; n < rows; ++n) {
    auto wr = dequantize_row(w, n);
    for (int64_t c = 0; c < cols; ++c) terms[c] = std::fabs(wr[c]);
    if (w.dtype == DType::Q4)
      for (int64_t g = 0; g < cols / w.group_size; ++g) {
        float scale, min;
        q4_group(w, n, g, scale, min);
        for (int64_t c = g * w.group_size; c < (g + 1) * w.group_size; ++c)
          terms[c] = std::fabs(static_cast<double>(wr[c]) - min) + std::fabs(min);
      }
    for (int64_t t = 0; t < tokens; ++t) {
      const float* xt = x.data() + t * cols;
      double sum = 0, mag = 0;
      for (int64_t c = 0; c < cols; ++c) {
        sum += static_cast<double>(xt[c]) * wr[c];
        mag += std::fabs(static_cast<double>(xt[c])) * terms[c];
      }
      r.y[t * rows + n] = static_cast<float>(sum);
      r.magnitude[t * rows + n] = static_cast<float>(mag);
    }
  }
  return r;
}

std::vector<float> embedding(const HostTensor& table, const std::vector<int32_t>& ids) {
  const int64_t rows = table.shape[0], cols = table.shape[1];
  std::vector<float> out(ids.size() * cols, 0.0f);
  for (size_t t = 0; t < ids.size(); ++t)
    if (ids[t] >= 0 && ids[t] < rows) {
      auto row = dequantize_row(table, ids[t]);
      std::copy(row.begin(), row.end(), out.begin() + t * cols);
    }
  return out;
}

std::vector<float> matvec(const std::vector<float>& W, const std::vector<float>& x, int64_t N, int64_t K) {
  if (W.size() != static_cast<size_t>(N * K) || x.size() != static_cast<size_t>(K))
    throw std::runtime_error("reference matvec: shape mismatch");
  std::vector<float> y(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    double acc = 0;
    const float* row = &W[static_cast<size_t>(n * K)];
    for (int64_t k = 0; k < K; ++k) acc += static_cast<double>(row[k]) * x[static_cast<size_t>(k)];
    y[static_cast<size_t>(n)] = static_cast<float>(acc);
  }
  return y;
}

}  // namespace vole::ref
