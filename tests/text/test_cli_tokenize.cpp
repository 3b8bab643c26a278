// `vole tokenize`, run as a process on a small tokenizer.json.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "support/temp_dir.h"
#include "text/tokenizer_fixture.h"
#include "util/file.h"

using namespace vole;

namespace {

std::string join(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? " " : "") + std::to_string(ids[i]);
  return s;
}

int run(const std::string& args, const test::TempDir& dir) {
  std::string cmd = (test::binary_dir() / "bin" / "vole").string() + " tokenize " + args + " > '" +
                    (dir / "out.txt").string() + "' 2> '" + (dir / "err.txt").string() + "'";
  return WEXITSTATUS(std::system(cmd.c_str()));
}

}  // namespace

TEST(CliTokenize, LinesAndFiles) {
  test::TempDir dir;
  test::TokenizerSpec spec;
  spec.merges = {{"a", "b"}, {" ", "c"}};
  spec.added_tokens = test::Json::array({test::added_token(300, "<|x|>", true)});
  write_file_atomic(dir / "tokenizer.json", test::tokenizer_json(spec).dump());
  auto tok = text::Tokenizer::load(dir.path());

  std::vector<std::string> lines{"ab c", "", "x<|x|>y \xC3\xA9", "tab\there\r"};
  std::string input;
  for (const auto& l : lines) input += l + "\n";
  write_file_atomic(dir / "in.txt", input);

  ASSERT_EQ(run("-m '" + dir.path().string() + "' < '" + (dir / "in.txt").string() + "'", dir), 0) << read_text_file(dir / "err.txt");
  std::istringstream out(read_text_file(dir / "out.txt"));
  for (const auto& l : lines) {
    std::string got;
    ASSERT_TRUE(std::getline(out, got)) << "missing output line for \"" << l << "\"";
    EXPECT_EQ(got, join(tok.encode(l))) << l;
  }

  ASSERT_EQ(run("-m '" + dir.path().string() + "' --file '" + (dir / "in.txt").string() + "'", dir), 0);
  EXPECT_EQ(read_text_file(dir / "out.txt"), join(tok.encode(input)) + "\n");

  ASSERT_EQ(run("-m '" + dir.path().string() + "' --no-special --file '" + (dir / "in.txt").string() + "'", dir), 0);
  EXPECT_EQ(read_text_file(dir / "out.txt"), join(tok.encode(input, false)) + "\n");
}

TEST(CliTokenize, MissingModelIsAnError) {
  test::TempDir dir;
  EXPECT_EQ(run("-m '" + (dir / "nope").string() + "' < /dev/null", dir), 1);
  std::string err = read_text_file(dir / "err.txt");
  EXPECT_NE(err.find("nope does not exist"), std::string::npos) << err;
  EXPECT_EQ(run("-m '" + dir.path().string() + "' < /dev/null", dir), 1);  // a folder without tokenizer.json
  err = read_text_file(dir / "err.txt");
  EXPECT_NE(err.find("no tokenizer.json"), std::string::npos) << err;
}
