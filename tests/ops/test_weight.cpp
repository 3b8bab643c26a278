// upload_weight (sharding, padding, validation) and upload_f32 (conversions).
#include <gtest/gtest.h>

#include <cstring>

#include "linear_test_util.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

std::vector<uint8_t> download(const gpu::Buffer& b, uint64_t bytes) {
  std::vector<uint8_t> out(bytes);
  gpu_context().download(b, 0, out.data(), bytes);
  return out;
}

TEST(Weight, ShardsRespectTheLimit) {
  // 1000 rows of 128 bytes, at most 100 rows per shard: 64-row shards, the last one 40.
  auto m = matrix(1000, 64, DType::F16, 1);
  ops::Weight w = upload(m, 100 * 128);
  ASSERT_EQ(w.shards.size(), 16u);
  int64_t next = 0;
  for (const auto& s : w.shards) {
    EXPECT_EQ(s.row_begin, next);
    EXPECT_EQ(s.rows, next < 960 ? 64 : 40);
    EXPECT_LE(s.data.size(), 100u * 128);
    EXPECT_EQ(download(s.data, s.rows * 128),
              std::vector<uint8_t>(m.data.begin() + s.row_begin * 128, m.data.begin() + (s.row_begin + s.rows) * 128));
    next += s.rows;
  }
  EXPECT_EQ(next, 1000);
  EXPECT_EQ(w.bytes(), 1000u * 128);

  // Unsharded when it fits; Q4 scales travel with their rows.
  EXPECT_EQ(upload(m).shards.size(), 1u);
  auto q = matrix(200, 256, DType::Q4, 2, 64);  // 128 data bytes, 16 scale bytes per row
  ops::Weight wq = upload(q, 150 * 128);
  ASSERT_EQ(wq.shards.size(), 2u);
  EXPECT_EQ(wq.shards[1].row_begin, 128);
  EXPECT_EQ(download(wq.shards[1].scales, 72 * 16),
            std::vector<uint8_t>(q.scales.begin() + 128 * 16, q.scales.end()));
  EXPECT_EQ(wq.bytes(), 200u * (128 + 16));
}

TEST(Weight, PadsBuffersToSixteenBytes) {
  // 3 x 5 f16 = 30 bytes: the buffer holds 32, the last two zero.
  auto m = matrix(3, 5, DType::F16, 3);
  ops::Weight w = upload(m);
  ASSERT_EQ(w.shards[0].data.size(), 32u);
  auto bytes = download(w.shards[0].data, 32);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 30), m.data);
  EXPECT_EQ(bytes[30], 0);
  EXPECT_EQ(bytes[31], 0);
}

TEST(Weight, RejectsMalformedTensors) {
  auto& ctx = gpu_context();
  auto good = matrix(4, 64, DType::Q4, 4, 32);
  auto bad = [&](auto edit) {
    HostTensor t = good.view();
    edit(t);
    return t;
  };
  EXPECT_NO_THROW(ops::upload_weight(ctx, good.view()));
  EXPECT_THROW(ops::upload_weight(ctx, bad([](HostTensor& t) { t.shape = {4, 8, 8}; })), Error);
  EXPECT_THROW(ops::upload_weight(ctx, bad([](HostTensor& t) { t.shape = {0, 64}; })), Error);
  EXPECT_THROW(ops::upload_weight(ctx, bad([](HostTensor& t) { t.group_size = 48; })), Error);
  EXPECT_THROW(ops::upload_weight(ctx, bad([](HostTensor& t) { t.group_size = 128; })), Error);  // 64 % 128
  EXPECT_THROW(ops::upload_weight(ctx, bad([](HostTensor& t) { t.data = t.data.first(t.data.size() - 1); })), Error);
  EXPECT_THROW(ops::upload_weight(ctx, bad([](HostTensor& t) { t.scales = t.scales.first(4); })), Error);
  EXPECT_THROW(ops::upload_weight(ctx, bad([](HostTensor& t) { t.dtype = DType::I32; })), Error);
  auto f16 = matrix(4, 64, DType::F16, 5);
  HostTensor with_scales = f16.view();
  with_scales.scales = good.view().scales;
  EXPECT_THROW(ops::upload_weight(ctx, with_scales), Error);
  try {
    ops::upload_weight(ctx, f16.view(), 100);  // one 128-byte row exceeds 100 bytes
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds"), std::string::npos) << e.what();
  }
}

TEST(Weight, UploadF32Converts) {
  auto& ctx = gpu_context();
  for (const auto& m : {matrix(7, 33, DType::F16, 6), matrix(7, 33, DType::BF16, 7), matrix(7, 33, DType::F32, 8),
                        matrix(7, 64, DType::Q4, 9, 32), matrix(300, 256, DType::Q4, 10, 128)}) {
    SCOPED_TRACE(m.name);
    ops::DeviceTensor t = ops::upload_f32(ctx, m.view());
    EXPECT_EQ(t.tensor.shape, (ops::Shape{m.rows, m.cols}));
    EXPECT_EQ(t.tensor.dtype, DType::F32);
    expect_close(read_f32(t.tensor), ref::dequantize(m.view()), 0, 0);
  }
  // Any rank for the plain formats (here a conv kernel [6, 1, 4]).
  auto m = matrix(6, 4, DType::BF16, 11);
  HostTensor conv = m.view();
  conv.shape = {6, 1, 4};
  ops::DeviceTensor t = ops::upload_f32(ctx, conv);
  EXPECT_EQ(t.tensor.shape, (ops::Shape{6, 1, 4}));
  expect_close(read_f32(t.tensor), ref::dequantize(m.view()), 0, 0);

  std::vector<float> values = {1.5f, -2.0f, 3.25f};
  ops::DeviceTensor raw = ops::upload_f32(ctx, "raw", {3}, values.data());
  expect_close(read_f32(raw.tensor), values, 0, 0);

  HostTensor short_data = m.view();
  short_data.data = short_data.data.first(10);
  EXPECT_THROW(ops::upload_f32(ctx, short_data), Error);
  HostTensor ints = m.view();
  ints.dtype = DType::I32;
  EXPECT_THROW(ops::upload_f32(ctx, ints), Error);
  EXPECT_THROW(ops::upload_f32(ctx, "empty", {0}, values.data()), Error);
}

}  // namespace
