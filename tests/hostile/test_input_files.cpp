// The same classes of fault on the surfaces the capability issues added: a .nemo
// checkpoint (the codec) that is a FIFO or a device, and its model_config.yaml made
// hostile (deep, huge, aliases). Each gets a clear error, promptly, never a hang.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <future>

#include "model/nemo_archive.h"
#include "model/yaml_json.h"
#include "support/temp_dir.h"
#include "util/error.h"
#include "util/file.h"

using namespace vole;
using namespace vole::test;
using namespace std::chrono_literals;

namespace {

// The error `f` ends with, within `limit` (a FIFO used to block the reader forever).
std::string error_within(std::chrono::milliseconds limit, std::function<void()> f) {
  auto run = std::async(std::launch::async, [f] {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  });
  if (run.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "still running after " << limit.count() << " ms";
    run.wait();  // nothing else to do: the test fails either way
  }
  return run.get();
}

}  // namespace

TEST(HostileInputFiles, MappedFilesRefuseFifosDevicesAndFoldersWithoutWaiting) {
  TempDir dir("vole-hostile-input");
  auto fifo = dir / "codec.nemo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_EQ(error_within(2000ms, [&] { model::NemoArchive n(fifo); }),
            fifo.string() + " is not a regular file: it is a FIFO");
  EXPECT_EQ(error_within(2000ms, [] { MappedFile m("/dev/zero"); }),
            "/dev/zero is not a regular file: it is a character device");
  EXPECT_EQ(error_within(2000ms, [&] { MappedFile m(dir.path()); }),
            dir.path().string() + " is not a regular file: it is a folder");
}

TEST(HostileInputFiles, HostileYamlConfigsAreRefusedQuickly) {
  auto refused = [](const std::string& text) {
    auto start = std::chrono::steady_clock::now();
    std::string err = error_within(5000ms, [&] { model::parse_yaml(text, "model_config.yaml"); });
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(took, 2.0) << err;
    return err;
  };
  // Flow nesting far beyond the bound, balanced or not: libyaml's scanner took minutes
  // over a megabyte of "[" (its cost grows with the square of the depth).
  EXPECT_EQ(refused(std::string(500000, '[') + std::string(500000, ']')),
            "model_config.yaml: YAML nested deeper than 32");
  EXPECT_EQ(refused(std::string(1000000, '[')), "model_config.yaml: YAML nested deeper than 32");
  // Block nesting: a mapping per line, each indented one more.
  std::string block;
  for (int i = 0; i < 200; ++i) block += std::string(i, ' ') + "k" + std::to_string(i) + ":\n";
  EXPECT_EQ(refused(block), "model_config.yaml: YAML nested deeper than 32");
  // A billion laughs: aliases are refused before anything expands.
  std::string laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const std::string prev(1, static_cast<char>(c - 1));
    laughs += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  EXPECT_EQ(refused(laughs), "model_config.yaml: YAML aliases are not accepted");
  // More than the 1 MiB any config needs.
  EXPECT_EQ(refused("k: " + std::string(2 << 20, 'x') + "\n"), "model_config.yaml: YAML larger than 1 MiB");
}
