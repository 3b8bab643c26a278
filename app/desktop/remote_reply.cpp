#include "remote_reply.h"

#include <algorithm>
#include <chrono>

#include "remote/openai_client.h"

namespace vole::desktop {

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// The conversation as OpenAI's messages: stored reasoning stays here (servers differ in
// what they accept besides role and content).
nlohmann::json remote_messages(const runtime::ChatRequest& request) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : request.messages)
    out.push_back({{"role", m.value("role", "user")}, {"content", m.value("content", std::string())}});
  if (request.continue_from && !request.continue_from->content.empty())
    out.push_back({{"role", "assistant"}, {"content", request.continue_from->content}});
  return out;
}

remote::RemoteSampling remote_sampling(const runtime::GenerateOptions& g) {
  remote::RemoteSampling s;
  s.temperature = std::max(0.0f, g.sampling.temperature);
  s.top_p = g.sampling.top_p;
  if (g.sampling.presence_penalty != 0) s.presence_penalty = g.sampling.presence_penalty;
  if (g.sampling.frequency_penalty != 0) s.frequency_penalty = g.sampling.frequency_penalty;
  if (g.sampling.seed != 0) s.seed = g.sampling.seed;
  if (g.max_tokens > 0) s.max_tokens = g.max_tokens;
  s.stop = g.stop_strings;
  return s;
}

}  // namespace

runtime::ChatReply remote_reply(const RemoteTarget& target, const runtime::ChatRequest& request,
                                const runtime::DeltaCallback& on_delta, const std::atomic<bool>* cancel) {
  remote::RemoteOptions options;
  options.base_url = target.base_url.toStdString();
  options.api_key = target.api_key.toStdString();
  remote::OpenAIClient client(options);

  runtime::ChatReply reply;
  const auto start = Clock::now();
  std::optional<Clock::time_point> first, last;
  int64_t deltas = 0;
  auto r = client.chat(
      target.model.toStdString(), remote_messages(request), remote_sampling(request.generation),
      [&](const std::string& content, const std::string& reasoning) {
        auto now = Clock::now();
        if (!first) first = now;
        last = now;
        ++deltas;
        reply.content += content;
        reply.reasoning += reasoning;
        on_delta({reasoning, content});
      },
      cancel);
  auto& s = reply.stats;
  s.prompt_tokens = r.prompt_tokens.value_or(0);
  s.generated_tokens = r.completion_tokens.value_or(deltas);  // servers send about a token per event
  s.ttft_ms = first ? ms_between(start, *first) : ms_between(start, Clock::now());
  s.decode_ms = first && last ? ms_between(*first, *last) : 0;
  s.stop = r.finish_reason == "length" ? runtime::StopReason::MaxTokens : runtime::StopReason::EndOfTurn;
  return reply;
}

}  // namespace vole::desktop
