#pragma once
// Sampling settings as a QObject the settings forms bind to: the app's defaults
// (AppSettings) and a conversation's overrides (ChatController) are both one of these.
#include <QObject>
#include <nlohmann/json.hpp>

#include "runtime/generator.h"

namespace vole::desktop {

class SamplingValues : public QObject {
  Q_OBJECT
  Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY changed)
  Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY changed)
  Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY changed)
  Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY changed)
  Q_PROPERTY(double repetitionPenalty READ repetitionPenalty WRITE setRepetitionPenalty NOTIFY changed)
  Q_PROPERTY(double presencePenalty READ presencePenalty WRITE setPresencePenalty NOTIFY changed)
  Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY changed)

 public:
  explicit SamplingValues(QObject* parent = nullptr);

  double temperature() const { return options_.temperature; }
  double topP() const { return options_.top_p; }
  int topK() const { return options_.top_k; }
  double minP() const { return options_.min_p; }
  double repetitionPenalty() const { return options_.repetition_penalty; }
  double presencePenalty() const { return options_.presence_penalty; }
  int maxTokens() const { return max_tokens_; }

  // Out-of-range values are clamped to what the sampler accepts.
  void setTemperature(double v);
  void setTopP(double v);
  void setTopK(int v);
  void setMinP(double v);
  void setRepetitionPenalty(double v);
  void setPresencePenalty(double v);
  void setMaxTokens(int v);

  // Copies another set (one `changed` signal).
  Q_INVOKABLE void copyFrom(const vole::desktop::SamplingValues* other);
  void set(const runtime::SamplingOptions& sampling, int max_tokens);

  const runtime::SamplingOptions& sampling() const { return options_; }
  // Overwrites the sampling fields and max_tokens of `options`.
  void apply_to(runtime::GenerateOptions& options) const;

  // {"temperature":..,"top_p":..,"top_k":..,"min_p":..,"repetition_penalty":..,
  //  "presence_penalty":..,"max_tokens":..}; from_json ignores unknown or mistyped keys.
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);

 Q_SIGNALS:
  void changed();

 private:
  template <typename T, typename U>
  void assign(T& field, U value);
  runtime::SamplingOptions options_;
  int max_tokens_ = 2048;
};

}  // namespace vole::desktop
