// `vole run`: one prompt, answer streamed to stdout.
#include <cstdio>
#include <iostream>

#include "command.h"
#include "engine_args.h"
#include "image/decode.h"
#include "remote_run.h"
#include "runtime/chat.h"

namespace vole::cli {

static void print_stats(const runtime::GenerationStats& s) {
  std::fprintf(stderr,
               "\n[%lld prompt tokens (%lld reused), %lld generated; prefill %.1f tok/s, decode %.1f tok/s, "
               "first token %.0f ms; stopped: %s]\n",
               static_cast<long long>(s.prompt_tokens), static_cast<long long>(s.reused_tokens),
               static_cast<long long>(s.generated_tokens), s.prefill_tokens_per_second(), s.decode_tokens_per_second(),
               s.ttft_ms, runtime::stop_reason_name(s.stop));
}

static int run_run(Args& args) {
  if (auto url = args.get({"--remote"})) return run_remote(args, *url);
  ModelArgs model_args = parse_model_args(args);
  std::string prompt = args.require({"-p", "--prompt"});
  int max_tokens = static_cast<int>(args.get_int({"-n", "--max-tokens"}, 512, 1, INT32_MAX));
  std::string system = args.get_or({"--system"}, "");
  bool raw = args.flag("--raw");
  std::string thinking = args.get_or({"--thinking"}, "");
  bool show_thinking = args.flag("--show-thinking");
  bool quiet = args.flag("--no-stats");
  std::vector<std::string> image_files = args.get_all({"--image"});
  int64_t max_image_tokens = args.get_int({"--max-image-tokens"}, 1024);
  require(image_files.empty() || !raw, "--image needs the chat template; it cannot be used with --raw");
  require(max_image_tokens >= 0, "--max-image-tokens must be >= 0");
  // Bad image files are refused before the model loads.
  std::vector<image::DecodedImage> pictures;
  for (const auto& f : image_files) pictures.push_back(image::load_image(f));
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
    if (pictures.empty()) {
      req.messages.push_back({{"role", "user"}, {"content", prompt}});
    } else {
      runtime::VisionTower& tower = engine->vision();
      if (!tower.available())
        fail(ErrorCode::Unsupported, "the model in " + engine->model_dir().string() + " cannot see images");
      tower.set_max_image_tokens(max_image_tokens);
      nlohmann::ordered_json content = nlohmann::ordered_json::array();
      for (const auto& p : pictures) {
        req.images.push_back(tower.preprocess(p.image));
        content.push_back({{"type", "image"}});
      }
      content.push_back({{"type", "text"}, {"text", prompt}});
      req.messages.push_back({{"role", "user"}, {"content", content}});
    }
    if (thinking == "on" || thinking == "off")
      req.template_options.enable_thinking = thinking == "on";
    else
      require(thinking.empty(), "--thinking must be on or off");
    req.generation = gen;
    stats = chat.reply(req,
                       [&](const runtime::ChatDelta& d) {
                         if (show_thinking && !d.reasoning.empty()) std::fprintf(stderr, "%s", d.reasoning.c_str());
                         std::fwrite(d.content.data(), 1, d.content.size(), stdout);
                         std::fflush(stdout);
                       })
                .stats;
  }
  std::printf("\n");
  if (!quiet) print_stats(stats);
  return 0;
}

VOLE_COMMAND("run",
             "-m DIR -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P] [--seed S] [--system TEXT] [--raw] "
             "[--thinking on|off] [--image FILE]... [--max-image-tokens N]  answer one prompt (about the images), "
             "streamed; or --remote URL --model NAME [--api-key KEY] -p PROMPT (an OpenAI-compatible server)",
             run_run);

}  // namespace vole::cli
