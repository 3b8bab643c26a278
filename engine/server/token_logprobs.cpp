#include "server/token_logprobs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "text/tokenizer.h"

namespace vole::server {

using Json = nlohmann::ordered_json;

TokenLogprob token_logprob(std::span<const float> logits, int32_t token, int top, const text::Tokenizer& tokenizer) {
  // log p_i = x_i - max - log(sum exp(x_j - max)), summed in double.
  float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float x : logits) sum += std::exp(static_cast<double>(x) - max);
  const double log_sum = std::log(sum) + max;
  auto choice = [&](int32_t id) {
    TokenChoice c;
    c.id = id;
    c.text = tokenizer.decode(std::span<const int32_t>(&id, 1));
    c.logprob = static_cast<float>(static_cast<double>(logits[static_cast<size_t>(id)]) - log_sum);
    return c;
  };
  TokenLogprob out;
  if (token >= 0 && static_cast<size_t>(token) < logits.size()) out.chosen = choice(token);
  top = std::clamp<int>(top, 0, static_cast<int>(logits.size()));
  if (top > 0) {
    std::vector<int32_t> ids(logits.size());
    std::iota(ids.begin(), ids.end(), 0);
    auto more_likely = [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
    std::partial_sort(ids.begin(), ids.begin() + top, ids.end(), more_likely);
    for (int i = 0; i < top; ++i) out.top.push_back(choice(ids[i]));
  }
  return out;
}

namespace {

Json utf8_bytes(const std::string& s) {
  Json b = Json::array();
  for (unsigned char c : s) b.push_back(c);
  return b;
}

}  // namespace

Json chat_logprobs_json(std::span<const TokenLogprob> tokens) {
  Json content = Json::array();
  for (const TokenLogprob& t : tokens) {
    Json top = Json::array();
    for (const TokenChoice& c : t.top)
      top.push_back({{"token", c.text}, {"logprob", c.logprob}, {"bytes", utf8_bytes(c.text)}});
    content.push_back({{"token", t.chosen.text},
                       {"logprob", t.chosen.logprob},
                       {"bytes", utf8_bytes(t.chosen.text)},
                       {"top_logprobs", top}});
  }
  return {{"content", content}, {"refusal", nullptr}};
}

Json completion_logprobs_json(std::span<const TokenLogprob> tokens, size_t text_offset) {
  Json texts = Json::array(), lps = Json::array(), tops = Json::array(), offsets = Json::array();
  for (const TokenLogprob& t : tokens) {
    texts.push_back(t.chosen.text);
    lps.push_back(t.chosen.logprob);
    Json top = Json::object();
    for (const TokenChoice& c : t.top) top[c.text] = c.logprob;
    tops.push_back(top);
    offsets.push_back(text_offset);
    text_offset += t.chosen.text.size();
  }
  return {{"tokens", texts}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

}  // namespace vole::server
