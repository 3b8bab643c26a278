// `vole chat`: interactive multi-turn chat in the terminal.
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>

#include "cli/line_reader.h"
#include "command.h"
#include "engine_args.h"
#include "remote/openai_client.h"
#include "runtime/chat.h"

namespace vole::cli {

namespace {
std::atomic<bool> g_cancel{false};
std::atomic<bool> g_generating{false};

void on_sigint(int) {
  if (g_generating.load()) {
    g_cancel.store(true);  // stop the answer, keep the chat
  } else {
    restore_terminal_now();  // Ctrl+C at the prompt: leave the terminal as it was
    std::_Exit(130);
  }
}

void print_stats(const runtime::GenerationStats& s) {
  std::fprintf(stderr, "[%lld prompt tokens, %lld reused; %lld generated; prefill %.1f tok/s; decode %.1f tok/s; "
               "first token %.0f ms; %s]\n",
               static_cast<long long>(s.prompt_tokens), static_cast<long long>(s.reused_tokens),
               static_cast<long long>(s.generated_tokens), s.prefill_tokens_per_second(),
               s.decode_tokens_per_second(), s.ttft_ms, runtime::stop_reason_name(s.stop));
}
}  // namespace

// `vole chat --remote URL --model NAME`: the same loop with a model on an OpenAI-compatible
// server; the conversation is kept here and sent whole each turn.
static int run_remote_chat(Args& args, const std::string& url) {
  remote::RemoteOptions options;
  options.base_url = url;
  const char* env_key = std::getenv("VOLE_API_KEY");
  options.api_key = args.get_or({"--api-key"}, env_key ? env_key : "");
  options.ca_bundle = args.get_or({"--ca-bundle"}, "");
  std::string model = args.require({"--model"});
  std::string system = args.get_or({"--system"}, "");
  remote::RemoteSampling sampling;
  if (int64_t n = args.get_int({"-n", "--max-tokens"}, 0); n != 0) sampling.max_tokens = n;
  if (double t = args.get_double({"--temp"}, -1); t >= 0) sampling.temperature = t;
  if (double p = args.get_double({"--top-p"}, -1); p >= 0) sampling.top_p = p;
  if (int64_t seed = args.get_int({"--seed"}, INT64_MIN); seed != INT64_MIN) sampling.seed = seed;
  args.finish();
  remote::OpenAIClient client(options);
  nlohmann::json history = nlohmann::json::array();
  std::signal(SIGINT, on_sigint);
  std::fprintf(stderr,
               "Chatting with %s at %s (what you type is sent there). Commands: /reset, /system TEXT, /quit. "
               "Ctrl+C stops an answer.\n",
               model.c_str(), url.c_str());
  LineReader input;  // whole lines, also pasted ones beyond the terminal's 4095 bytes
  for (std::string line;;) {
    std::fprintf(stderr, "\n> ");
    auto next = input.read_line();
    if (!next) break;
    line = std::move(*next);
    if (line.empty()) continue;
    if (line == "/quit" || line == "/exit") break;
    if (line == "/reset") {
      history = nlohmann::json::array();
      std::fprintf(stderr, "(conversation cleared)\n");
      continue;
    }
    if (line.rfind("/system", 0) == 0) {
      system = line.size() > 8 ? line.substr(8) : "";
      std::fprintf(stderr, "(system prompt %s)\n", system.empty() ? "cleared" : "set");
      continue;
    }
    history.push_back({{"role", "user"}, {"content", line}});
    nlohmann::json messages = nlohmann::json::array();
    if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
    for (const auto& m : history) messages.push_back(m);
    g_cancel = false;
    g_generating = true;
    std::string streamed;
    try {
      client.chat(
          model, messages, sampling,
          [&](const std::string& content, const std::string&) {
            streamed += content;
            std::fwrite(content.data(), 1, content.size(), stdout);
            std::fflush(stdout);
          },
          &g_cancel);
      std::printf("\n");
      history.push_back({{"role", "assistant"}, {"content", streamed}});
    } catch (const Error& e) {
      std::printf("\n");
      if (e.code() == ErrorCode::Cancelled) {
        history.push_back({{"role", "assistant"}, {"content", streamed}});  // a stopped answer is kept, as locally
      } else {
        history.erase(history.end() - 1);  // the chat stays usable: drop the turn that failed
        std::fprintf(stderr, "error: %s\n", e.what());
      }
    }
    g_generating = false;
  }
  return 0;
}

static int run_chat(Args& args) {
  if (auto url = args.get({"--remote"})) return run_remote_chat(args, *url);
  ModelArgs model_args = parse_model_args(args);
  std::string system = args.get_or({"--system"}, "");
  std::string thinking = args.get_or({"--thinking"}, "");
  int max_tokens = static_cast<int>(args.get_int({"-n", "--max-tokens"}, 2048, 1, INT32_MAX));
  auto engine = load_engine(model_args);
  runtime::GenerateOptions gen = engine->default_generate_options();
  gen.sampling = parse_sampling(args, gen.sampling);
  gen.max_tokens = max_tokens;
  args.finish();

  runtime::Chat chat(*engine);
  nlohmann::ordered_json history = nlohmann::ordered_json::array();
  runtime::GenerationStats last;
  bool have_last = false;
  std::signal(SIGINT, on_sigint);
  std::fprintf(stderr, "Chatting with %s. Commands: /reset, /system TEXT, /stats, /quit. Ctrl+C stops an answer.\n",
               model_args.dir.filename().string().c_str());
  LineReader input;  // whole lines, also pasted ones beyond the terminal's 4095 bytes
  for (std::string line;;) {
    std::fprintf(stderr, "\n> ");
    auto next = input.read_line();
    if (!next) break;
    line = std::move(*next);
    if (line.empty()) continue;
    if (line == "/quit" || line == "/exit") break;
    if (line == "/reset") {
      history = nlohmann::ordered_json::array();
      chat.reset();
      std::fprintf(stderr, "(conversation cleared)\n");
      continue;
    }
    if (line.rfind("/system", 0) == 0) {
      system = line.size() > 8 ? line.substr(8) : "";
      std::fprintf(stderr, "(system prompt %s)\n", system.empty() ? "cleared" : "set");
      continue;
    }
    if (line == "/stats") {
      if (have_last) print_stats(last);
      std::fprintf(stderr, "[context: %lld of %lld tokens]\n", static_cast<long long>(chat.sequence().length()),
                   static_cast<long long>(chat.sequence().capacity()));
      continue;
    }
    history.push_back({{"role", "user"}, {"content", line}});
    runtime::ChatRequest req;
    if (!system.empty()) req.messages.push_back({{"role", "system"}, {"content", system}});
    for (const auto& m : history) req.messages.push_back(m);
    if (thinking == "on" || thinking == "off") req.template_options.enable_thinking = thinking == "on";
    req.generation = gen;
    g_cancel = false;
    g_generating = true;
    try {
      bool in_thought = false;
      auto reply = chat.reply(req, [&](const runtime::ChatDelta& d) {
        if (!d.reasoning.empty()) {
          if (!in_thought) std::fprintf(stderr, "\033[2m(thinking) ");
          in_thought = true;
          std::fprintf(stderr, "%s", d.reasoning.c_str());
        }
        if (!d.content.empty()) {
          if (in_thought) std::fprintf(stderr, "\033[0m\n");
          in_thought = false;
          std::fwrite(d.content.data(), 1, d.content.size(), stdout);
          std::fflush(stdout);
        }
      }, &g_cancel);
      if (in_thought) std::fprintf(stderr, "\033[0m");
      std::printf("\n");
      history.push_back({{"role", "assistant"}, {"content", reply.content}});
      last = reply.stats;
      have_last = true;
    } catch (const Error& e) {
      // The chat stays usable: drop the turn that failed.
      history.erase(history.end() - 1);
      std::fprintf(stderr, "error: %s\n", e.what());
    }
    g_generating = false;
  }
  return 0;
}

VOLE_COMMAND("chat",
             "-m DIR [--system TEXT] [--thinking on|off] [sampling flags]  interactive chat (/reset, /system, /stats); "
             "or --remote URL --model NAME [--api-key KEY]",
             run_chat);

}  // namespace vole::cli
