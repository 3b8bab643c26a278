#include "model/q4.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "util/error.h"
#include "util/half.h"

namespace vole::model {

namespace {

inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline float load_scalar(const uint8_t* base, StDType t, size_t i) {
  switch (t) {
    case StDType::F32: {
      float f;
      std::memcpy(&f, base + 4 * i, 4);
      return f;
    }
    case StDType::F16: return f16_to_f32(load_u16(base + 2 * i));
    case StDType::BF16: return bf16_to_f32(load_u16(base + 2 * i));
    default: fail(ErrorCode::Internal, std::string("no float conversion from ") + st_dtype_name(t));
  }
}

inline uint32_t pack_scale_min(uint16_t scale, uint16_t min) { return static_cast<uint32_t>(scale) | (static_cast<uint32_t>(min) << 16); }

uint16_t f16_next_down(uint16_t h) {
  if (h == 0x0000) return 0x8001;
  if (h & 0x8000) return h == 0xfc00 ? h : static_cast<uint16_t>(h + 1);
  return static_cast<uint16_t>(h - 1);
}
uint16_t f16_next_up(uint16_t h) {
  if (h == 0x8000) return 0x0001;
  if (h & 0x8000) return static_cast<uint16_t>(h - 1);
  return h == 0x7c00 ? h : static_cast<uint16_t>(h + 1);
}
bool f16_is_inf_or_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00; }

// Converts a value to f16, counting it if inexact; infinities are an error.
uint16_t to_f16_checked(float v, size_t& inexact, const std::string& label, const char* what) {
  uint16_t h = f32_to_f16(v);
  if (f16_is_inf_or_nan(h))
    fail(ErrorCode::Unsupported, label + ": " + what + " " + std::to_string(v) + " does not fit in f16");
  if (f16_to_f32(h) != v) ++inexact;
  return h;
}

}  // namespace

void parallel_rows(int64_t count, const std::function<void(int64_t, int64_t)>& fn) {
  if (count <= 0) return;
  int64_t hw = std::max(1u, std::thread::hardware_concurrency());
  int64_t workers = std::min<int64_t>(hw, (count + 15) / 16);
  if (workers <= 1) {
    fn(0, count);
    return;
  }
  std::vector<std::thread> threads;
  std::exception_ptr error;
  std::mutex error_mutex;
  int64_t per = (count + workers - 1) / workers;
  for (int64_t w = 0; w < workers; ++w) {
    int64_t begin = w * per, end = std::min(count, begin + per);
    if (begin >= end) break;
    threads.emplace_back([&, begin, end] {
      try {
        fn(begin, end);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

int q4_group_for(int64_t source_group) {
  for (int g : {128, 64, 32})
    if (source_group > 0 && source_group % g == 0) return g;
  return 0;
}

void to_f32(const uint8_t* src, StDType dtype, size_t n, float* out) {
  switch (dtype) {
    case StDType::F32: std::memcpy(out, src, n * 4); return;
    case StDType::F16:
      for (size_t i = 0; i < n; ++i) out[i] = f16_to_f32(load_u16(src + 2 * i));
      return;
    case StDType::BF16:
      for (size_t i = 0; i < n; ++i) {
        uint32_t bits = static_cast<uint32_t>(src[2 * i]) << 16 | static_cast<uint32_t>(src[2 * i + 1]) << 24;
        std::memcpy(&out[i], &bits, 4);
      }
      return;
    default: fail(ErrorCode::Unsupported, std::string("cannot convert ") + st_dtype_name(dtype) + " to f32");
  }
}

uint16_t f16_round_down(float x) {
  uint16_t h = f32_to_f16(x);
  return f16_to_f32(h) > x ? f16_next_down(h) : h;
}

uint16_t f16_round_up(float x) {
  uint16_t h = f32_to_f16(x);
  return f16_to_f32(h) < x ? f16_next_up(h) : h;
}

namespace {

// One group of G values (G a compile-time constant so the loops vectorize).
template <int G>
void quantize_group(const float* w, uint8_t* out, uint32_t* scale_word, int64_t row, const std::string& label) {
  float mn = w[0], mx = w[0];
  int nan = 0;
  for (int i = 0; i < G; ++i) {
    mn = w[i] < mn ? w[i] : mn;
    mx = w[i] > mx ? w[i] : mx;
    nan |= w[i] != w[i];
  }
  if (nan || !std::isfinite(mn) || !std::isfinite(mx))  // an infinity ends up in mn or mx
    fail(ErrorCode::InvalidFile, label + ": row " + std::to_string(row) + " holds a non-finite value");
  uint16_t m16 = f16_round_down(mn);
  if (f16_is_inf_or_nan(m16))
    fail(ErrorCode::Unsupported, label + ": value " + std::to_string(mn) + " is beyond the f16 range; cannot quantize to Q4");
  float m = f16_to_f32(m16);
  double target = (static_cast<double>(mx) - static_cast<double>(m)) / 15.0;
  float tf = static_cast<float>(target);
  if (static_cast<double>(tf) < target) tf = std::nextafter(tf, INFINITY);
  uint16_t s16 = f16_round_up(tf);
  if (f16_is_inf_or_nan(s16))
    fail(ErrorCode::Unsupported, label + ": row " + std::to_string(row) + " spans too wide a range for an f16 scale");
  float s = f16_to_f32(s16);
  float inv = s > 0.0f ? 1.0f / s : 0.0f;
  *scale_word = pack_scale_min(s16, m16);
  uint32_t q[G];
  for (int i = 0; i < G; ++i) {
    float t = (w[i] - m) * inv + 0.5f;  // >= 0.5: w >= m
    t = t < 15.0f ? t : 15.0f;
    q[i] = static_cast<uint32_t>(t);
  }
  for (int i = 0; i < G; i += 8) {
    uint32_t word = q[i] | q[i + 1] << 4 | q[i + 2] << 8 | q[i + 3] << 12 | q[i + 4] << 16 | q[i + 5] << 20 |
                    q[i + 6] << 24 | q[i + 7] << 28;
    std::memcpy(out + i / 2, &word, 4);
  }
}

template <int G>
void quantize_rows(const float* row, int64_t cols, int64_t r, uint8_t* data, uint32_t* scales, const std::string& label) {
  const int64_t groups = cols / G;
  for (int64_t g = 0; g < groups; ++g)
    quantize_group<G>(row + g * G, data + static_cast<size_t>(r * cols + g * G) / 2, scales + r * groups + g, r, label);
}

}  // namespace

void quantize_q4(std::span<const uint8_t> src, StDType dtype, int64_t rows, int64_t cols, int group, uint8_t* data,
                 uint32_t* scales, const std::string& label) {
  require((group == 32 || group == 64 || group == 128) && cols % group == 0,
          label + ": Q4 group " + std::to_string(group) + " must be 32, 64 or 128 and divide the row length " +
              std::to_string(cols));
  require(src.size() == static_cast<size_t>(rows * cols) * st_dtype_size(dtype), label + ": source size mismatch");
  const size_t esize = st_dtype_size(dtype);
  parallel_rows(rows, [&](int64_t r0, int64_t r1) {
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = r0; r < r1; ++r) {
      to_f32(src.data() + static_cast<size_t>(r * cols) * esize, dtype, static_cast<size_t>(cols), row.data());
      if (group == 128) quantize_rows<128>(row.data(), cols, r, data, scales, label);
      else if (group == 64) quantize_rows<64>(row.data(), cols, r, data, scales, label);
      else quantize_rows<32>(row.data(), cols, r, data, scales, label);
    }
  });
}

void dequantize_q4(const uint8_t* data, const uint32_t* scales, int64_t cols, int group, int64_t row_begin,
                   int64_t row_count, float* out) {
  const int64_t groups = cols / group;
  for (int64_t r = 0; r < row_count; ++r) {
    int64_t row = row_begin + r;
    for (int64_t c = 0; c < cols; c += 8) {
      uint32_t word = load_u32(data + static_cast<size_t>(row * cols + c) / 2);
      uint32_t sw = scales[row * groups + c / group];
      float s = f16_to_f32(static_cast<uint16_t>(sw & 0xffff)), m = f16_to_f32(static_cast<uint16_t>(sw >> 16));
      for (int j = 0; j < 8; ++j) out[r * cols + c + j] = static_cast<float>((word >> (4 * j)) & 15u) * s + m;
    }
  }
}

size_t mlx_scales_to_q4(std::span<const uint8_t> scales, std::span<const uint8_t> biases, StDType scale_dtype,
                        int64_t rows, int64_t cols, int group, int out_group, uint32_t* out, const std::string& label) {
  require(out_group > 0 && group % out_group == 0, label + ": Q4 group must divide the MLX group");
  const int64_t groups = cols / group, repeat = group / out_group;
  size_t inexact = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      size_t i = static_cast<size_t>(r * groups + g);
      uint16_t s = to_f16_checked(load_scalar(scales.data(), scale_dtype, i), inexact, label, "scale");
      uint16_t b = to_f16_checked(load_scalar(biases.data(), scale_dtype, i), inexact, label, "bias");
      for (int64_t k = 0; k < repeat; ++k) out[(r * groups + g) * repeat + k] = pack_scale_min(s, b);
    }
  }
  return inexact;
}

void dequantize_mlx(std::span<const uint8_t> packed, std::span<const uint8_t> scales, std::span<const uint8_t> biases,
                    StDType scale_dtype, int bits, int64_t rows, int64_t cols, int group, float* out) {
  const int per = 32 / bits;
  const uint32_t mask = (1u << bits) - 1u;
  const int64_t words_per_row = cols / per, groups = cols / group;
  parallel_rows(rows, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        uint32_t word = load_u32(packed.data() + static_cast<size_t>(r * words_per_row + c / per) * 4);
        uint32_t q = (word >> (bits * (c % per))) & mask;
        size_t gi = static_cast<size_t>(r * groups + c / group);
        out[r * cols + c] = static_cast<float>(q) * load_scalar(scales.data(), scale_dtype, gi) +
                            load_scalar(biases.data(), scale_dtype, gi);
      }
    }
  });
}

namespace {
inline uint32_t gptq_zero(std::span<const uint8_t> qzeros, int64_t n_total, int64_t g, int64_t n, bool v2) {
  uint32_t word = load_u32(qzeros.data() + static_cast<size_t>(g * (n_total / 8) + n / 8) * 4);
  uint32_t z = (word >> (4 * (n % 8))) & 15u;
  return v2 ? z : z + 1;
}
}  // namespace

size_t repack_gptq(std::span<const uint8_t> qweight, std::span<const uint8_t> qzeros, std::span<const uint8_t> scales,
                   StDType scale_dtype, int64_t k, int64_t n, int group, bool v2, int out_group, uint8_t* data,
                   uint32_t* out_scales, const std::string& label) {
  require(out_group > 0 && group % out_group == 0 && k % group == 0 && k % 8 == 0 && n % 8 == 0,
          label + ": GPTQ shapes do not fit the Q4 layout");
  const int64_t kw = k / 8;  // 32-bit words per output row
  // Transpose the word matrix [kw, n] -> [n, kw] in tiles to stay in cache.
  constexpr int64_t kTile = 64;
  parallel_rows((n + kTile - 1) / kTile, [&](int64_t t0, int64_t t1) {
    for (int64_t nt = t0 * kTile; nt < std::min(n, t1 * kTile); nt += kTile) {
      for (int64_t kt = 0; kt < kw; kt += kTile) {
        for (int64_t r = nt; r < std::min(n, nt + kTile); ++r)
          for (int64_t c = kt; c < std::min(kw, kt + kTile); ++c)
            std::memcpy(data + static_cast<size_t>(r * kw + c) * 4, qweight.data() + static_cast<size_t>(c * n + r) * 4, 4);
      }
    }
  });
  const int64_t groups = k / group, repeat = group / out_group;
  size_t inexact = 0;
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      float s = load_scalar(scales.data(), scale_dtype, static_cast<size_t>(g * n + r));
      uint16_t s16 = to_f16_checked(s, inexact, label, "scale");
      float z = static_cast<float>(gptq_zero(qzeros, n, g, r, v2));
      uint16_t m16 = to_f16_checked(-f16_to_f32(s16) * z, inexact, label, "min (-scale * zero)");
      for (int64_t j = 0; j < repeat; ++j) out_scales[(r * groups + g) * repeat + j] = pack_scale_min(s16, m16);
    }
  }
  return inexact;
}

void dequantize_gptq(std::span<const uint8_t> qweight, std::span<const uint8_t> qzeros, std::span<const uint8_t> scales,
                     StDType scale_dtype, int64_t k, int64_t n, int group, bool v2, float* out) {
  parallel_rows(n, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t c = 0; c < k; ++c) {
        uint32_t word = load_u32(qweight.data() + static_cast<size_t>((c / 8) * n + r) * 4);
        float q = static_cast<float>((word >> (4 * (c % 8))) & 15u);
        int64_t g = c / group;
        float s = load_scalar(scales.data(), scale_dtype, static_cast<size_t>(g * n + r));
        float z = static_cast<float>(gptq_zero(qzeros, n, g, r, v2));
        out[r * k + c] = s * (q - z);
      }
    }
  });
}

}  // namespace vole::model
