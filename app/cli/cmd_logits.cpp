// `vole logits`: the interface other tools use to compare Vole with other engines.
// Evaluates the token ids in one prefill and writes the logits of every position as
// raw little-endian float32, row-major [n_tokens, vocab_size]; prints the top-5 ids of
// the last position. Keep the format exactly so.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "command.h"
#include "engine_args.h"
#include "util/error.h"
#include "util/file.h"
#include "util/user_files.h"

namespace vole::cli {

static std::vector<int32_t> parse_token_list(const std::string& s) {
  std::vector<int32_t> ids;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    ids.push_back(static_cast<int32_t>(parse_int(item, "--tokens (comma-separated token ids)", 0, INT32_MAX)));
  }
  require(!ids.empty(), "--tokens is empty");
  return ids;
}

static int run_logits(Args& args) {
  // Default: the checkpoint's own precision (bf16 weights are exact; f32 would only double the memory).
  ModelArgs model_args = parse_model_args(args, model::Format::Source);
  std::vector<int32_t> ids = parse_token_list(args.require({"--tokens"}));
  std::string out = args.require({"--out", "-o"});
  args.finish();
  model_args.options.context_length = std::max<int64_t>(model_args.options.context_length, ids.size());
  auto engine = load_engine(model_args);
  auto seq = engine->new_sequence(static_cast<int64_t>(ids.size()));
  std::vector<float> logits = seq->evaluate_all(ids);
  static_assert(std::endian::native == std::endian::little, "the logits file is little-endian float32");
  write_output_file(out, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(logits.data()), logits.size() * 4));

  size_t vocab = logits.size() / ids.size();
  const float* last = logits.data() + (ids.size() - 1) * vocab;
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + 5, order.end(),
                    [&](int32_t a, int32_t b) { return last[a] > last[b] || (last[a] == last[b] && a < b); });
  FILE* report = out == "-" ? stderr : stdout;  // stdout may be the logits themselves
  std::fprintf(report, "wrote %zu x %zu logits to %s\ntop-5 of last position:", ids.size(), vocab, out.c_str());
  for (int i = 0; i < 5; ++i) std::fprintf(report, " %d", order[i]);
  std::fprintf(report, "\n");
  return 0;
}

VOLE_COMMAND("logits", "-m DIR --tokens 1,2,3 --out FILE|- [--weights f32|f16|int4]  logits of every position (f32 LE)",
             run_logits);

}  // namespace vole::cli
