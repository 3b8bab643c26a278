// Issue 14.5: deeply nested JSON wherever user JSON enters (a clean error, never a stack
// overflow), and CLI numbers that are checked, never wrapped, with the accepted range in
// the error. Issue 14.8's small cases about paths and inputs.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "cli/args.h"
#include "hostile/process.h"
#include "support/temp_dir.h"
#include "text/tokenizer_fixture.h"
#include "util/error.h"
#include "util/file.h"
#include "util/user_files.h"
#include "util/json.h"

using namespace vole;
using namespace vole::test;

namespace {

std::string nested_array(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

fs::path template_model(const TempDir& dir, const std::string& tokenizer_config) {
  auto m = dir / "model";
  fs::create_directories(m);
  std::ofstream(m / "tokenizer_config.json") << tokenizer_config;
  return m;
}

}  // namespace

TEST(HostileJson, DepthIsBoundedBeforeParsing) {
  EXPECT_EQ(json_nesting_depth("[1, \"[[[[\", {\"a\": [2]}]"), 3);
  EXPECT_NO_THROW(parse_json_text(nested_array(kMaxJsonDepth), "x"));
  EXPECT_EQ(error_of([] { parse_ordered_json_text(nested_array(70000), "messages.json"); }),
            "messages.json: JSON nested deeper than 128 levels");
  EXPECT_TRUE(parse_json_or_discarded(nested_array(70000)).is_discarded());
}

TEST(HostileJson, DeepMessagesAndToolsThroughTheCli) {
  TempDir dir("vole-hostile-json");
  auto model = template_model(dir, R"({"chat_template": "{{ messages | length }}"})");
  std::ofstream(dir / "deep.json") << nested_array(70000);
  std::ofstream(dir / "ok.json") << R"([{"role": "user", "content": "hi"}])";
  auto r = run_vole({"template", "-m", model.string(), "--messages", (dir / "deep.json").string()});
  EXPECT_EQ(r.signal, 0) << "crashed";
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "vole template: invalid file: " + (dir / "deep.json").string() + ": JSON nested deeper than 128 levels\n");
  r = run_vole({"template", "-m", model.string(), "--messages", (dir / "ok.json").string(), "--tools",
                (dir / "deep.json").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "vole template: invalid file: " + (dir / "deep.json").string() + ": JSON nested deeper than 128 levels\n");
}

TEST(HostileJson, DeepTokenizerConfigIsNotReportedAsMissingTemplate) {
  TempDir dir("vole-hostile-json");
  auto model = template_model(dir, "{\"chat_template\": \"x\", \"deep\": " + nested_array(10000) + "}");
  std::ofstream(dir / "ok.json") << R"([{"role": "user", "content": "hi"}])";
  auto r = run_vole({"template", "-m", model.string(), "--messages", (dir / "ok.json").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "vole template: invalid file: " + (model / "tokenizer_config.json").string() +
                       ": JSON nested deeper than 128 levels\n");
}

TEST(HostileJson, EmptyChatTemplateIsNamed) {
  TempDir dir("vole-hostile-json");
  auto model = template_model(dir, R"({"chat_template": ""})");
  std::ofstream(dir / "ok.json") << R"([{"role": "user", "content": "hi"}])";
  auto r = run_vole({"template", "-m", model.string(), "--messages", (dir / "ok.json").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "vole template: invalid file: " + (model / "tokenizer_config.json").string() +
                       " chat_template: the chat template is empty\n");
}

TEST(HostileJson, DeepTokenizerJsonIsRefused) {
  std::string error =
      error_of([] { text::Tokenizer::from_json("{\"model\": " + nested_array(100000) + "}", "tokenizer.json"); });
  EXPECT_EQ(error, "tokenizer.json: JSON nested deeper than 128 levels");
}

struct NumberCase {
  const char* name;
  std::vector<std::string> args;
  const char* error;
};

class HostileNumbers : public ::testing::TestWithParam<NumberCase> {};

TEST_P(HostileNumbers, AreCheckedWithTheRangeInTheError) {
  const NumberCase& c = GetParam();
  auto r = run_vole(c.args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, c.error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HostileNumbers,
    ::testing::Values(
        NumberCase{"TokensWrapTo1",
                   {"logits", "-m", "/nonexistent", "--tokens", "4294967297", "--out", "/dev/null"},
                   "vole logits: invalid argument: --tokens (comma-separated token ids) expects an integer from 0 to "
                   "2147483647, got '4294967297'\n"},
        NumberCase{"TokensBeyond64Bits",
                   {"logits", "-m", "/nonexistent", "--tokens", "1,99999999999999999999999", "--out", "/dev/null"},
                   "vole logits: invalid argument: --tokens (comma-separated token ids) expects an integer from 0 to "
                   "2147483647, got '99999999999999999999999'\n"},
        NumberCase{"MaxTokensWrapTo1",
                   {"run", "-m", "/nonexistent", "-p", "hi", "-n", "4294967297"},
                   "vole run: invalid argument: -n expects an integer from 1 to 2147483647, got '4294967297'\n"},
        NumberCase{"MaxTokensWrapNegative",
                   {"run", "-m", "/nonexistent", "-p", "hi", "-n", "2147483648"},
                   "vole run: invalid argument: -n expects an integer from 1 to 2147483647, got '2147483648'\n"},
        NumberCase{"NegativeQuota",
                   {"pull", "--quota", "-5", "owner/name"},
                   "vole pull: invalid argument: --quota expects an integer >= 0, got '-5'\n"},
        NumberCase{"GpuMemoryNegative",
                   {"run", "-m", "/nonexistent", "-p", "hi", "--gpu-memory", "-1"},
                   "vole run: invalid argument: --gpu-memory expects an integer from 0 to 1099511627776, got '-1'\n"},
        NumberCase{"ContextTrailingJunk",
                   {"run", "-m", "/nonexistent", "-p", "hi", "--ctx", "4096k"},
                   "vole run: invalid argument: --ctx expects an integer from 1 to 2147483647, got '4096k'\n"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(HostileNumbers, OneParserForEveryOption) {
  // Sampling options are read after the model loads; the same parser checks them.
  EXPECT_EQ(error_of([] { cli::parse_double("nan", "--temp", 0, 100); }),
            "--temp expects a number from 0 to 100, got 'nan'");
  EXPECT_EQ(error_of([] { cli::parse_double("1e999", "--top-p", 0, 1); }),
            "--top-p expects a number from 0 to 1, got '1e999'");
  EXPECT_EQ(error_of([] { cli::parse_int("4294967296", "--seed", 0, UINT32_MAX); }),
            "--seed expects an integer from 0 to 4294967295, got '4294967296'");
  EXPECT_EQ(error_of([] { cli::parse_int(" 5", "-n", 1, 10); }), "-n expects an integer from 1 to 10, got ' 5'");
  EXPECT_EQ(error_of([] { cli::parse_int("", "-n", 1, 10); }), "-n expects an integer from 1 to 10, got ''");
  EXPECT_EQ(cli::parse_int("-9223372036854775808", "x", INT64_MIN, INT64_MAX), INT64_MIN);
  EXPECT_DOUBLE_EQ(cli::parse_double("0.25", "--top-p", 0, 1), 0.25);
  cli::Args args({"--top-k", "99999999999"});
  EXPECT_EQ(error_of([&] { args.get_int({"--top-k"}, 0, 0, INT32_MAX); }),
            "--top-k expects an integer from 0 to 2147483647, got '99999999999'");
}

TEST(HostilePaths, ModelThatIsNotAFolderIsNamed) {
  TempDir dir("vole-hostile-paths");
  std::ofstream(dir / "file") << "x";
  auto r = run_vole({"info", "-m", (dir / "file").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "vole info: invalid argument: " + (dir / "file").string() +
                       " is not a model folder: it is a regular file\n");
  r = run_vole({"info", "-m", "/dev/null"});
  EXPECT_EQ(r.err, "vole info: invalid argument: /dev/null is not a model folder: it is a character device\n");
  r = run_vole({"info", "-m", (dir / "missing").string()});
  EXPECT_EQ(r.err, "vole info: not found: model folder " + (dir / "missing").string() + " does not exist\n");
}

TEST(HostilePaths, SymlinkLoopConfigIsNotReportedAsMissing) {
  TempDir dir("vole-hostile-paths");
  fs::create_directory(dir / "m");
  fs::create_symlink(dir / "m" / "config.json", dir / "m" / "config.json");  // points at itself
  auto r = run_vole({"info", "-m", (dir / "m").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "vole info: invalid file: model folder " + (dir / "m").string() +
                       ": config.json is a loop of symbolic links, not a file\n");
}

TEST(HostilePaths, TokenizeFileThatIsAFolderOrEndless) {
  TempDir dir("vole-hostile-paths");
  test::TokenizerSpec spec;
  write_file_atomic(dir / "tokenizer.json", test::tokenizer_json(spec).dump());
  auto r = run_vole({"tokenize", "-m", dir.path().string(), "--file", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "vole tokenize: invalid argument: " + dir.path().string() + " is a folder, not a file\n");
  ProcessLimits limits;
  if (!under_asan()) limits.address_space_bytes = size_t{2} << 30;
  r = run_vole({"tokenize", "-m", dir.path().string(), "--file", "/dev/zero"}, limits);
  std::printf("[measured] tokenize --file /dev/zero: exit %d after %.2f s\n", r.exit_code, r.seconds);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "vole tokenize: invalid argument: /dev/zero is larger than 512 MiB, the most Vole reads from such a file\n");
}

TEST(HostilePaths, ReadTextFileReadsPipesWithALimit) {
  TempDir dir("vole-hostile-paths");
  EXPECT_EQ(error_of([&] { read_text_file("/dev/zero", 1 << 20); }),
            "/dev/zero is larger than 1 MiB, the most Vole reads from such a file");
  EXPECT_EQ(read_text_file("/dev/null"), "");
}
