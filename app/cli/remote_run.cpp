#include "remote_run.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "remote/openai_client.h"
#include "util/error.h"

namespace vole::cli {

int run_remote(Args& args, const std::string& url) {
  remote::RemoteOptions options;
  options.base_url = url;
  const char* env_key = std::getenv("VOLE_API_KEY");  // keeps the key out of the process list
  options.api_key = args.get_or({"--api-key"}, env_key ? env_key : "");
  options.ca_bundle = args.get_or({"--ca-bundle"}, "");
  std::string model = args.require({"--model"});
  std::string prompt = args.require({"-p", "--prompt"});
  std::string system = args.get_or({"--system"}, "");
  remote::RemoteSampling sampling;
  // Unset options (the sentinels) leave the choice to the server.
  if (int64_t n = args.get_int({"-n", "--max-tokens"}, 0); n != 0) sampling.max_tokens = n;
  if (double t = args.get_double({"--temp"}, -1); t >= 0) sampling.temperature = t;
  if (double p = args.get_double({"--top-p"}, -1); p >= 0) sampling.top_p = p;
  if (int64_t seed = args.get_int({"--seed"}, INT64_MIN); seed != INT64_MIN) sampling.seed = seed;
  bool show_thinking = args.flag("--show-thinking");
  bool quiet = args.flag("--no-stats");
  args.finish();
  require(!sampling.max_tokens || *sampling.max_tokens > 0, "-n must be positive");

  nlohmann::json messages = nlohmann::json::array();
  if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
  messages.push_back({{"role", "user"}, {"content", prompt}});
  remote::OpenAIClient client(options);
  remote::RemoteReply reply;
  try {
    reply = client.chat(model, messages, sampling, [&](const std::string& content, const std::string& reasoning) {
      if (show_thinking && !reasoning.empty()) std::fprintf(stderr, "%s", reasoning.c_str());
      std::fwrite(content.data(), 1, content.size(), stdout);
      std::fflush(stdout);
    });
  } catch (const Error&) {
    std::printf("\n");  // what streamed stays on screen; the error follows on stderr
    std::fflush(stdout);
    throw;
  }
  std::printf("\n");
  if (!quiet) {
    std::fprintf(stderr, "\n[remote %s: ", model.c_str());
    if (reply.prompt_tokens && reply.completion_tokens)
      std::fprintf(stderr, "%lld prompt tokens, %lld generated; ", static_cast<long long>(*reply.prompt_tokens),
                   static_cast<long long>(*reply.completion_tokens));
    std::fprintf(stderr, "stopped: %s]\n", reply.finish_reason.empty() ? "?" : reply.finish_reason.c_str());
  }
  return 0;
}

}  // namespace vole::cli
