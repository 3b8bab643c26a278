#include "ops/weight.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "util/error.h"
#include "util/half.h"

namespace vole::ops {

namespace {

// Every weight buffer is a whole number of 16-byte blocks: the matvec kernels read rows as
// uvec4, and the last element of an odd-sized f16 matrix must not sit in a partial block.
constexpr uint64_t kBufferGranule = 16;

uint64_t round_up(uint64_t v, uint64_t m) { return (v + m - 1) / m * m; }

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Bytes one row of a [rows, cols] matrix takes in `dtype` (Q4: packed nibbles only).
uint64_t row_bytes(DType dtype, int64_t cols) {
  return dtype == DType::Q4 ? static_cast<uint64_t>(cols) / 2 : static_cast<uint64_t>(cols) * dtype_size(dtype);
}

void validate(const HostTensor& src) {
  const std::string what = "weight " + src.name;
  require(src.shape.size() == 2, what + ": a weight matrix must be 2-D, got shape " + shape_text(src.shape));
  int64_t rows = src.shape[0], cols = src.shape[1];
  require(rows > 0 && cols > 0, what + ": empty shape " + shape_text(src.shape));
  switch (src.dtype) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
      break;
    case DType::Q4:
      require(src.group_size == 32 || src.group_size == 64 || src.group_size == 128,
              what + ": int4 group size must be 32, 64 or 128, got " + std::to_string(src.group_size));
      require(cols % src.group_size == 0, what + ": int4 group size " + std::to_string(src.group_size) +
                                              " does not divide the " + std::to_string(cols) + " columns");
      break;
    default:
      fail(ErrorCode::Unsupported, what + ": weights must be f32, f16, bf16 or int4, got " + dtype_name(src.dtype));
  }
  uint64_t want = row_bytes(src.dtype, cols) * static_cast<uint64_t>(rows);
  require(src.data.size() == want, what + ": " + dtype_name(src.dtype) + shape_text(src.shape) + " needs " +
                                       std::to_string(want) + " bytes of data, got " + std::to_string(src.data.size()));
  if (src.dtype == DType::Q4) {
    uint64_t want_scales = static_cast<uint64_t>(rows) * (cols / src.group_size) * 4;
    require(src.scales.size() == want_scales, what + ": int4 scales need " + std::to_string(want_scales) +
                                                  " bytes, got " + std::to_string(src.scales.size()));
  } else {
    require(src.scales.empty(), what + ": only int4 weights carry scales");
  }
}

// Largest buffer one shard may use: a binding may not exceed maxStorageBufferRange, and
// one allocation may not exceed maxMemoryAllocationSize.
uint64_t shard_limit(const gpu::DeviceInfo& info, uint64_t max_shard_bytes) {
  uint64_t limit = info.max_storage_buffer_range;
  if (info.max_memory_allocation_size) limit = std::min(limit, info.max_memory_allocation_size);
  if (max_shard_bytes) limit = std::min(limit, max_shard_bytes);
  return limit;
}

// A buffer holding `bytes` bytes from `src`, zero-padded to the granule.
gpu::Buffer upload_padded(gpu::Context& ctx, const uint8_t* src, uint64_t bytes, const std::string& name) {
  uint64_t size = round_up(bytes, kBufferGranule);
  gpu::Buffer buf = ctx.create_buffer(size, gpu::MemoryKind::Device, name);
  ctx.upload(buf, 0, src, bytes);
  if (size > bytes) {
    static const std::array<uint8_t, kBufferGranule> zeros{};
    ctx.upload(buf, bytes, zeros.data(), size - bytes);
  }
  return buf;
}

// Element e of a 2-D Q4 host tensor (row-major), dequantised.
float q4_element(const HostTensor& src, int64_t e) {
  const int64_t cols = src.shape[1];
  uint8_t byte = src.data[e / 2];
  uint32_t q = (e % 2) ? byte >> 4 : byte & 0xf;
  uint64_t group = static_cast<uint64_t>(e / cols) * (cols / src.group_size) + (e % cols) / src.group_size;
  uint16_t scale, min;
  std::memcpy(&scale, src.scales.data() + group * 4, 2);
  std::memcpy(&min, src.scales.data() + group * 4 + 2, 2);
  return static_cast<float>(q) * f16_to_f32(scale) + f16_to_f32(min);
}

}  // namespace

DeviceTensor allocate_f32(gpu::Context& ctx, const std::string& name, Shape shape) {
  DeviceTensor t;
  t.tensor.dtype = DType::F32;
  t.tensor.shape = std::move(shape);
  require(t.tensor.numel() > 0, "tensor " + name + ": empty shape " + t.tensor.describe());
  for (int64_t d : t.tensor.shape) require(d > 0, "tensor " + name + ": bad shape " + t.tensor.describe());
  t.buffer = ctx.create_buffer(t.tensor.bytes(), gpu::MemoryKind::Device, name);
  t.tensor.data = gpu::whole(t.buffer);
  return t;
}

uint64_t Weight::bytes() const {
  uint64_t total = 0;
  for (const auto& s : shards) total += s.data.size() + (s.scales.valid() ? s.scales.size() : 0);
  return total;
}

Weight upload_weight(gpu::Context& ctx, const HostTensor& src, uint64_t max_shard_bytes) {
  validate(src);
  Weight w;
  w.name = src.name;
  w.dtype = src.dtype;
  w.rows = src.shape[0];
  w.cols = src.shape[1];
  w.group_size = src.dtype == DType::Q4 ? src.group_size : 0;

  // Rows per shard: as many as fit the limit (data is always the larger of data/scales).
  // Shards of a multiple of 64 rows keep each shard's slice of an output vector aligned
  // for any device's minStorageBufferOffsetAlignment (<= 256 bytes), so decode matvecs
  // over different shards write disjoint bindings and need no barrier between them.
  uint64_t data_row = row_bytes(w.dtype, w.cols);
  uint64_t scale_row = w.dtype == DType::Q4 ? static_cast<uint64_t>(w.cols / w.group_size) * 4 : 0;
  // A padded shard buffer of r rows takes round_up(r * data_row, 16) bytes.
  uint64_t limit = shard_limit(ctx.info(), max_shard_bytes) / kBufferGranule * kBufferGranule;
  uint64_t fit = limit / data_row;
  require(fit >= 1, "weight " + w.name + ": one row of " + std::to_string(data_row) +
                        " bytes exceeds the largest buffer this device can bind (" + std::to_string(limit) + " bytes)");
  int64_t per_shard = static_cast<int64_t>(std::min<uint64_t>(fit, static_cast<uint64_t>(w.rows)));
  if (per_shard < w.rows && per_shard >= 64) per_shard = per_shard / 64 * 64;

  const int64_t count = (w.rows + per_shard - 1) / per_shard;
  for (int64_t s = 0; s < count; ++s) {
    WeightShard shard;
    shard.row_begin = s * per_shard;
    shard.rows = std::min(per_shard, w.rows - shard.row_begin);
    std::string name = count > 1 ? w.name + "#" + std::to_string(s) : w.name;
    shard.data = upload_padded(ctx, src.data.data() + shard.row_begin * data_row, shard.rows * data_row, name);
    if (w.dtype == DType::Q4)
      shard.scales =
          upload_padded(ctx, src.scales.data() + shard.row_begin * scale_row, shard.rows * scale_row, name + " scales");
    w.shards.push_back(std::move(shard));
  }
  return w;
}

DeviceTensor upload_f32(gpu::Context& ctx, const std::string& name, Shape shape, const float* values) {
  DeviceTensor t = allocate_f32(ctx, name, std::move(shape));
  ctx.upload(t.buffer, 0, values, t.tensor.bytes());
  return t;
}

DeviceTensor upload_f32(gpu::Context& ctx, const HostTensor& src) {
  const std::string what = "tensor " + src.name;
  const int64_t n = src.numel();
  switch (src.dtype) {
    case DType::F32:
    case DType::F16:
    case DType::BF16: {
      uint64_t want = static_cast<uint64_t>(std::max<int64_t>(n, 0)) * dtype_size(src.dtype);
      require(src.data.size() == want, what + ": " + dtype_name(src.dtype) + shape_text(src.shape) + " needs " +
                                           std::to_string(want) + " bytes, got " + std::to_string(src.data.size()));
      break;
    }
    case DType::Q4:
      validate(src);  // 2-D, group size, data and scale sizes
      break;
    default:
      fail(ErrorCode::Unsupported, what + ": cannot convert " + dtype_name(src.dtype) + " to f32");
  }
  // A scalar (shape [], e.g. Moonshine Streaming's log_k) is kept as one value [1].
  DeviceTensor t = allocate_f32(ctx, src.name, src.shape.empty() ? Shape{1} : src.shape);
  if (src.dtype == DType::F32) {
    ctx.upload(t.buffer, 0, src.data.data(), t.tensor.bytes());  // byte copy: the source may be unaligned
    return t;
  }
  // Converted in bounded chunks so a large tensor never needs a second full-size host copy.
  constexpr int64_t kChunk = 1 << 16;
  std::vector<float> values(static_cast<size_t>(std::min(n, kChunk)));
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    int64_t count = std::min(kChunk, n - begin);
    for (int64_t i = 0; i < count; ++i) {
      int64_t e = begin + i;
      uint16_t h = 0;
      if (src.dtype != DType::Q4) std::memcpy(&h, src.data.data() + e * 2, 2);
      values[i] = src.dtype == DType::F16    ? f16_to_f32(h)
                  : src.dtype == DType::BF16 ? bf16_to_f32(h)
                                             : q4_element(src, e);
    }
    ctx.upload(t.buffer, static_cast<uint64_t>(begin) * 4, values.data(), static_cast<uint64_t>(count) * 4);
  }
  return t;
}

}  // namespace vole::ops
