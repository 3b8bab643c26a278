#include "support/gpu_test.h"

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "util/half.h"

namespace vole::test {

gpu::Context& gpu_context() {
  static gpu::Context ctx;
  return ctx;
}

static GpuTensor make(DType dtype, ops::Shape shape, const void* data, const std::string& name) {
  GpuTensor t;
  t.tensor.dtype = dtype;
  t.tensor.shape = std::move(shape);
  uint64_t bytes = std::max<uint64_t>(t.tensor.bytes(), 4);
  t.buffer = std::make_unique<gpu::Buffer>(gpu_context().create_buffer(bytes, gpu::MemoryKind::Device, name));
  t.tensor.data = gpu::slice(*t.buffer, 0, t.tensor.bytes());
  if (data) gpu_context().upload(*t.buffer, 0, data, t.tensor.bytes());
  return t;
}

GpuTensor gpu_tensor(const std::vector<float>& values, ops::Shape shape, const std::string& name) {
  GpuTensor t = make(DType::F32, std::move(shape), values.data(), name);
  EXPECT_EQ(static_cast<size_t>(t.tensor.numel()), values.size()) << name;
  return t;
}

GpuTensor gpu_tensor_i32(const std::vector<int32_t>& values, ops::Shape shape, const std::string& name) {
  return make(DType::I32, std::move(shape), values.data(), name);
}

GpuTensor gpu_tensor_f16(const std::vector<float>& values, ops::Shape shape, const std::string& name) {
  std::vector<uint16_t> h(values.size());
  for (size_t i = 0; i < values.size(); ++i) h[i] = f32_to_f16(values[i]);
  return make(DType::F16, std::move(shape), h.data(), name);
}

GpuTensor gpu_output(ops::Shape shape, DType dtype, const std::string& name) {
  GpuTensor t = make(dtype, std::move(shape), nullptr, name);
  gpu_context().fill(*t.buffer, 0, (t.tensor.bytes() + 3) / 4 * 4, 0x7fc00000u);  // f32 NaN pattern
  return t;
}

// Copies a tensor's bytes back to the host through a readback buffer.
static void read_bytes(const ops::Tensor& t, void* out) {
  gpu::Buffer tmp = gpu_context().create_buffer(t.bytes(), gpu::MemoryKind::Readback, "read");
  gpu_context().run_one_shot([&](VkCommandBuffer cmd) {
    VkBufferCopy region{t.data.offset, 0, t.bytes()};
    vkCmdCopyBuffer(cmd, t.data.buffer, tmp.handle(), 1, &region);
  });
  gpu_context().download(tmp, 0, out, t.bytes());
}

std::vector<float> read_f32(const ops::Tensor& t) {
  EXPECT_EQ(t.dtype, DType::F32);
  std::vector<float> out(t.numel());
  read_bytes(t, out.data());
  return out;
}

std::vector<int32_t> read_i32(const ops::Tensor& t) {
  std::vector<int32_t> out(t.numel());
  read_bytes(t, out.data());
  return out;
}

std::vector<float> random_floats(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

void run_graph(gpu::Graph& g) {
  g.compile();
  g.run();
  EXPECT_EQ(gpu_context().validation_errors(), 0u);
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, float rtol, float atol,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t worst = 0, bad = 0;
  double worst_excess = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    double tol = atol + rtol * std::fabs(want[i]);
    double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (std::isnan(got[i]) || std::isnan(want[i])) err = std::numeric_limits<double>::infinity();
    if (err > tol) ++bad;
    if (err - tol > worst_excess) {
      worst_excess = err - tol;
      worst = i;
    }
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << got.size() << " elements out of tolerance (rtol " << rtol
                     << ", atol " << atol << "); worst at " << worst << ": got " << got[worst] << ", want "
                     << want[worst];
}

}  // namespace vole::test
