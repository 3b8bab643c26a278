// `vole embed`: one unit vector per stdin line with a sentence-embedding model, written as
// little-endian float32 [lines, dims] (the interface for parity tests against outside
// references, e.g. sentence-transformers' encode()).
#include <bit>
#include <cstdio>
#include <iostream>
#include <string>

#include "command.h"
#include "knowledge_args.h"
#include "util/error.h"
#include "util/file.h"
#include "util/user_files.h"

namespace vole::cli {

namespace {

int run_embed(Args& args) {
  EmbedderArgs e = parse_embedder_args(args, {"-m", "--model"}, /*required=*/true);
  bool query = args.flag("--query"), document = args.flag("--document"), raw = args.flag("--raw");
  std::string out = args.require({"-o", "--out"});
  args.finish();
  require(query + document + raw <= 1, "--query, --document and --raw exclude each other");
  runtime::PromptKind kind = query ? runtime::PromptKind::Query
                             : raw ? runtime::PromptKind::None
                                   : runtime::PromptKind::Document;
  std::vector<std::string> lines;
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  auto model = load_embedding_model(e);
  std::vector<float> vectors = model->embed(lines, kind, e.dims);
  // Little-endian float32 on every platform Vole builds for (checked at compile time).
  static_assert(std::endian::native == std::endian::little, "vole embed writes little-endian floats");
  write_output_file(out, std::span(reinterpret_cast<const uint8_t*>(vectors.data()), vectors.size() * 4));
  std::fprintf(stderr, "%zu vectors of %lld dims -> %s\n", lines.size(),
               static_cast<long long>(lines.empty() ? (e.dims ? e.dims : model->dims())
                                                    : static_cast<int64_t>(vectors.size() / lines.size())),
               out.c_str());
  return 0;
}

}  // namespace

VOLE_COMMAND("embed",
             "-m DIR [--query|--document|--raw] [--dims N] --out OUT.f32  one unit vector per stdin line "
             "(float32 [lines, dims]; the model's document prompt unless --query, none with --raw)",
             run_embed);

}  // namespace vole::cli
