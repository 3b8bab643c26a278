#include <gtest/gtest.h>

#include <numeric>

#include "gpu/context.h"
#include "gpu/kernel_registry.h"
#include "gpu/pipeline.h"
#include "support/temp_dir.h"
#include "util/error.h"

using namespace vole;
using namespace vole::gpu;

TEST(Context, ListsAndSelectsADevice) {
  auto devices = list_devices();
  ASSERT_FALSE(devices.empty());
  Context ctx;
  EXPECT_FALSE(ctx.info().name.empty());
  EXPECT_GT(ctx.info().max_storage_buffer_range, 0u);
  EXPECT_GE(ctx.info().subgroup_size, 1u);
  EXPECT_NE(format_device_report(ctx.info()).find("maxStorageBufferRange"), std::string::npos);
}

TEST(Context, SelectsByIndexAndName) {
  auto devices = list_devices();
  ContextOptions by_index;
  by_index.device = "0";
  Context a(by_index);
  EXPECT_EQ(a.info().index, 0u);
  ContextOptions by_name;
  by_name.device = devices[0].name.substr(0, 4);
  Context b(by_name);
  EXPECT_EQ(b.info().name.substr(0, 4), by_name.device);
}

TEST(Context, UnknownDeviceIsAClearError) {
  ContextOptions opts;
  opts.device = "no-such-gpu-xyz";
  try {
    Context ctx(opts);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
    EXPECT_NE(std::string(e.what()).find("no-such-gpu-xyz"), std::string::npos);
  }
  opts.device = "99";
  EXPECT_THROW(Context{opts}, Error);
}

static void round_trip(bool direct) {
  ContextOptions opts;
  opts.direct_uploads = direct;
  opts.staging_bytes = 2 << 20;  // small ring: the 5 MiB upload must wrap around it
  Context ctx(opts);
  std::vector<uint32_t> data(5 * 1024 * 1024 / 4 + 13);
  std::iota(data.begin(), data.end(), 1u);
  Buffer buf = ctx.create_buffer(data.size() * 4, MemoryKind::Device, "test");
  ctx.upload(buf, 0, data.data(), data.size() * 4);
  std::vector<uint32_t> back(data.size());
  ctx.download(buf, 0, back.data(), back.size() * 4);
  EXPECT_EQ(back, data);
  ctx.fill(buf, 16, 64, 0xdeadbeef);
  ctx.download(buf, 0, back.data(), 128);
  EXPECT_EQ(back[3], 4u);
  EXPECT_EQ(back[4], 0xdeadbeefu);
  EXPECT_EQ(back[19], 0xdeadbeefu);
  EXPECT_EQ(back[20], 21u);
  EXPECT_EQ(ctx.validation_errors(), 0u);
}

TEST(Context, UploadDownloadDirect) { round_trip(true); }
TEST(Context, UploadDownloadThroughStagingRing) { round_trip(false); }

TEST(Context, MemoryAccounting) {
  Context ctx;
  uint64_t before = ctx.device_bytes_in_use();
  {
    Buffer big = ctx.create_buffer(32 << 20, MemoryKind::Device, "big");
    EXPECT_GE(ctx.device_bytes_in_use(), before + (32 << 20));
  }
  EXPECT_EQ(ctx.device_bytes_in_use(), before);
  EXPECT_GE(ctx.device_bytes_peak(), before + (32 << 20));
}

TEST(Context, ImpossibleAllocationIsOutOfMemory) {
  Context ctx;
  try {
    Buffer b = ctx.create_buffer(1ull << 46, MemoryKind::Device, "huge");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(e.code() == ErrorCode::OutOfMemory || e.code() == ErrorCode::Gpu) << e.what();
  }
}

TEST(Context, PipelinesAreCachedAndPersisted) {
  test::TempDir dir;
  ContextOptions opts;
  opts.pipeline_cache_dir = dir.path();
  {
    Context ctx(opts);
    const Pipeline& p1 = ctx.pipeline(kernels::copy_u32x4);
    const Pipeline& p2 = ctx.pipeline(kernels::copy_u32x4);
    EXPECT_EQ(&p1, &p2);
    EXPECT_EQ(p1.binding_count(), 2u);
  }
  bool found = false;
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    found = found || e.path().filename().string().rfind("pipelines-", 0) == 0;
  EXPECT_TRUE(found);
  Context again(opts);  // loads the cache written above
  EXPECT_NO_THROW(again.pipeline(kernels::copy_u32x4));
}

// Context::pipeline takes only declared names (a misspelt one does not compile: see the
// KernelInterface.MisspeltKernelNameFailsToCompile test); the registry still rejects unknown names.
TEST(KernelRegistry, UnknownKernelIsNotFound) { EXPECT_THROW(find_kernel("no_such_kernel"), Error); }

// The generated constants and the embedded table come from one list, in one order.
TEST(KernelRegistry, EveryNamedKernelIsEmbedded) {
  const auto& embedded = all_kernels();
  ASSERT_EQ(embedded.size(), std::size(kEmbeddedKernelNames));
  for (size_t i = 0; i < embedded.size(); ++i) EXPECT_EQ(embedded[i].name, kEmbeddedKernelNames[i]);
  EXPECT_EQ(find_kernel(kernels::matvec_q4_subgroup.view()).name, std::string_view("matvec_q4_subgroup"));
}

TEST(Pipeline, SpirvBindingScanRejectsGarbage) {
  std::vector<uint32_t> junk = {1, 2, 3, 4, 5, 6};
  EXPECT_THROW(spirv_binding_count(junk, "junk"), Error);
  const auto& k = find_kernel("copy_u32x4");
  EXPECT_EQ(spirv_binding_count({k.words, k.word_count}, "copy"), 2u);
}

TEST(Context, ValidationLayerIsOnWhenAsked) {
  const char* v = std::getenv("VOLE_VALIDATION");
  if (!v || std::string(v) != "1") GTEST_SKIP();
  Context ctx;
  EXPECT_TRUE(ctx.validation_enabled()) << "VOLE_VALIDATION=1 but VK_LAYER_KHRONOS_validation is not installed";
}
