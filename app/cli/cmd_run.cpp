// `vole run`: one prompt, answer streamed to stdout.
#include <cstdio>
#include <iostream>

#include "command.h"
#include "engine_args.h"
#include "runtime/chat.h"

namespace vole::cli {

static void print_stats(const runtime::GenerationStats& s) {
  std::fprintf(stderr,
               "\n[%lld prompt tokens (%lld reused), %lld generated; prefill %.1f tok/s, decode %.1f tok/s, "
               "first token %.0f ms; stopped: %s]\n",
               static_cast<long long>(s.prompt_tokens), static_cast<long long>(s.reused_tokens),
               static_cast<long long>(s.generated_tokens), s.prefill_tokens_per_second(),
               s.decode_tokens_per_second(), s.ttft_ms, runtime::stop_reason_name(s.stop));
}

static int run_run(Args& args) {
  ModelArgs model_args = parse_model_args(args);
  std::string prompt = args.require({"-p", "--prompt"});
  int max_tokens = static_cast<int>(args.get_int({"-n", "--max-tokens"}, 512, 1, INT32_MAX));
  std::string system = args.get_or({"--system"}, "");
  bool raw = args.flag("--raw");
  std::string thinking = args.get_or({"--thinking"}, "");
  bool show_thinking = args.flag("--show-thinking");
  bool quiet = args.flag("--no-stats");
  auto engine = load_engine(model_args);
  runtime::GenerateOptions gen = engine->default_generate_options();
  gen.sampling = parse_sampling(args, gen.sampling);
  gen.max_tokens = max_tokens;
  args.finish();
  require(max_tokens > 0, "-n must be positive");

  runtime::GenerationStats stats;
  if (raw) {
    auto seq = engine->new_sequence();
    auto ids = engine->tokenizer().encode(prompt);
    stats = runtime::generate(*seq, engine->tokenizer(), ids, gen, [](const std::string& text, int32_t) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    });
  } else {
    runtime::Chat chat(*engine);
    runtime::ChatRequest req;
    if (!system.empty()) req.messages.push_back({{"role", "system"}, {"content", system}});
    req.messages.push_back({{"role", "user"}, {"content", prompt}});
    if (thinking == "on" || thinking == "off") req.template_options.enable_thinking = thinking == "on";
    else require(thinking.empty(), "--thinking must be on or off");
    req.generation = gen;
    stats = chat.reply(req, [&](const runtime::ChatDelta& d) {
                  if (show_thinking && !d.reasoning.empty()) std::fprintf(stderr, "%s", d.reasoning.c_str());
                  std::fwrite(d.content.data(), 1, d.content.size(), stdout);
                  std::fflush(stdout);
                }).stats;
  }
  std::printf("\n");
  if (!quiet) print_stats(stats);
  return 0;
}

VOLE_COMMAND("run",
             "-m DIR -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P] [--seed S] [--system TEXT] [--raw] "
             "[--thinking on|off]  answer one prompt, streamed",
             run_run);

}  // namespace vole::cli
