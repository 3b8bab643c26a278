// `vole tokenize`: text -> token ids with a model's tokenizer.json.
#include <cstdio>
#include <iostream>
#include <string>

#include "command.h"
#include "text/tokenizer.h"
#include "util/file.h"

namespace vole::cli {

namespace {

void append_ids(const std::vector<int32_t>& ids, std::string& out) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out.push_back(' ');
    out += std::to_string(ids[i]);
  }
  out.push_back('\n');
}

int run_tokenize(Args& args) {
  std::string model = args.require({"-m", "--model"});
  auto file = args.get({"-f", "--file"});
  bool parse_special = !args.flag("--no-special");
  args.finish();
  auto tokenizer = text::Tokenizer::load(model);
  std::string out;
  std::vector<int32_t> ids;
  if (file) {
    append_ids(tokenizer.encode(read_text_file(*file), parse_special), out);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  }
  // One output line per input line; the '\n' is not part of the text.
  for (std::string line; std::getline(std::cin, line);) {
    ids.clear();
    tokenizer.encode(line, ids, parse_special);
    append_ids(ids, out);
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

VOLE_COMMAND("tokenize",
             "-m MODEL_DIR [--file F] [--no-special]  print token ids of each stdin line (or of file F as one text)",
             run_tokenize);

}  // namespace vole::cli
