#include "sampling_values.h"

#include <algorithm>

namespace vole::desktop {

SamplingValues::SamplingValues(QObject* parent) : QObject(parent) {}

template <typename T, typename U>
void SamplingValues::assign(T& field, U value) {
  T v = static_cast<T>(value);
  if (field == v) return;
  field = v;
  Q_EMIT changed();
}

void SamplingValues::setTemperature(double v) { assign(options_.temperature, std::clamp(v, 0.0, 5.0)); }
void SamplingValues::setTopP(double v) { assign(options_.top_p, std::clamp(v, 0.0, 1.0)); }
void SamplingValues::setTopK(int v) { assign(options_.top_k, std::clamp(v, 0, 1000)); }
void SamplingValues::setMinP(double v) { assign(options_.min_p, std::clamp(v, 0.0, 1.0)); }
void SamplingValues::setRepetitionPenalty(double v) { assign(options_.repetition_penalty, std::clamp(v, 0.5, 3.0)); }
void SamplingValues::setPresencePenalty(double v) { assign(options_.presence_penalty, std::clamp(v, -2.0, 3.0)); }
void SamplingValues::setMaxTokens(int v) { assign(max_tokens_, std::clamp(v, 1, 131072)); }

void SamplingValues::copyFrom(const SamplingValues* other) {
  if (other) set(other->options_, other->max_tokens_);
}

void SamplingValues::set(const runtime::SamplingOptions& sampling, int max_tokens) {
  const QSignalBlocker quiet(this);
  setTemperature(sampling.temperature);
  setTopP(sampling.top_p);
  setTopK(sampling.top_k);
  setMinP(sampling.min_p);
  setRepetitionPenalty(sampling.repetition_penalty);
  setPresencePenalty(sampling.presence_penalty);
  setMaxTokens(max_tokens);
  options_.frequency_penalty = sampling.frequency_penalty;
  options_.penalty_last_n = sampling.penalty_last_n;
  options_.seed = sampling.seed;
  Q_EMIT changed();  // once, after the blocker
}

void SamplingValues::apply_to(runtime::GenerateOptions& options) const {
  options.sampling = options_;
  options.max_tokens = max_tokens_;
}

nlohmann::json SamplingValues::to_json() const {
  return {{"temperature", options_.temperature},
          {"top_p", options_.top_p},
          {"top_k", options_.top_k},
          {"min_p", options_.min_p},
          {"repetition_penalty", options_.repetition_penalty},
          {"presence_penalty", options_.presence_penalty},
          {"max_tokens", max_tokens_}};
}

void SamplingValues::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return;
  auto number = [&](const char* key, auto setter) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number()) (this->*setter)(it->template get<double>());
  };
  auto integer = [&](const char* key, auto setter) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number()) (this->*setter)(static_cast<int>(it->template get<double>()));
  };
  {
    const QSignalBlocker quiet(this);
    number("temperature", &SamplingValues::setTemperature);
    number("top_p", &SamplingValues::setTopP);
    integer("top_k", &SamplingValues::setTopK);
    number("min_p", &SamplingValues::setMinP);
    number("repetition_penalty", &SamplingValues::setRepetitionPenalty);
    number("presence_penalty", &SamplingValues::setPresencePenalty);
    integer("max_tokens", &SamplingValues::setMaxTokens);
  }
  Q_EMIT changed();
}

}  // namespace vole::desktop
