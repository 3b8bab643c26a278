// Issue 14.8 replayed: `--ctx 600000` on a model whose config allows it used to fail at
// the first prefill with "store_kv: a binding of 146 MiB exceeds this device's
// maxStorageBufferRange". It is now refused at load, naming the longest context that fits.
#include <gtest/gtest.h>

#include <regex>

#include "hostile/process.h"
#include "runtime/device.h"
#include "support/model_fixture.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

// tiny-qwen3 caches 2 KV heads x 64 dims in f16 per token, per layer, for K and V apart.
constexpr uint64_t kCacheBytesPerToken = 2 * 64 * 2;

struct ContextLimitCase {
  std::shared_ptr<runtime::Device> device = std::make_shared<runtime::Device>();
  uint64_t limit = device->gpu().info().max_storage_buffer_range;
  int64_t fits = static_cast<int64_t>(limit / kCacheBytesPerToken);
  int64_t asked = fits + fits / 7;  // 599186 on lavapipe's 128 MiB, as in the report
  TempDir dir{"vole-hostile-ctx"};
  TinyModel model = make_tiny_model(
      dir, "tiny-qwen3", CheckpointFormat::F32, 512, 7, true,
      [this](CheckpointSpec& s) { text_config(s)["max_position_embeddings"] = 2 * asked; }, "-long");

  std::string load_error(int64_t context) {
    try {
      runtime::Engine engine(device, model.dir, engine_options(model::Format::F32, context));
      EXPECT_EQ(engine.context_length(), context);
      return "";
    } catch (const Error& e) {
      return e.what();
    }
  }
};

}  // namespace

TEST(HostileContextLimit, RefusedAtLoadWithTheLengthThatFits) {
  ContextLimitCase c;
  std::string err = c.load_error(c.asked);
  EXPECT_NE(err.find("a context of " + std::to_string(c.asked) + " tokens"), std::string::npos) << err;
  EXPECT_NE(err.find("maxStorageBufferRange " + std::to_string(c.limit >> 20) + " MiB"), std::string::npos) << err;
  EXPECT_NE(err.find("the longest context that fits on this device is " + std::to_string(c.fits) + " tokens"),
            std::string::npos)
      << err;
  // The named length is exact: it loads (the check runs before any cache is allocated,
  // so this costs no memory) and one token more does not.
  EXPECT_EQ(c.load_error(c.fits), "");
  EXPECT_NE(c.load_error(c.fits + 1), "");
}

TEST(HostileContextLimit, CliSaysWhichContextFits) {
  ContextLimitCase c;
  auto r = run_vole(
      {"run", "-m", c.model.dir.string(), "--weights", "f32", "--ctx", std::to_string(c.asked), "-p", "hi", "-n", "1"},
      {.timeout_seconds = 60});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.err.find("the longest context that fits on this device is " + std::to_string(c.fits) + " tokens"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("store_kv"), std::string::npos) << r.err;
}
