// EngineWorker's whole-document mode: the task over a whole document, read in parts that
// fit the chat model's context and the notes combined (knowledge/document_walk.h), each
// step one turn of the conversation's Chat. Only the last turn, the answer, streams into
// the message; the steps before it are reported as readingProgress.
#include <algorithm>

#include "engine_worker.h"
#include "knowledge/document_walk.h"
#include "knowledge/token_counter.h"
#include "util/error.h"

namespace vole::desktop {

runtime::ChatReply EngineWorker::read_document(runtime::Chat& chat, const GenerationJob& job,
                                               const std::function<void(const runtime::ChatDelta&)>& on_delta) {
  const DocumentReading& reading = *job.reading;
  runtime::Engine* engine = model(ModelRole::Chat);
  knowledge::TokenizerCounter counter(engine->tokenizer(), "chat");
  knowledge::WalkOptions options;
  options.context_tokens = static_cast<size_t>(engine->context_length());
  // Each step's reply: the chat's limit, but never more than a quarter of the context, so
  // the parts stay large.
  options.answer_tokens = static_cast<size_t>(
      std::clamp<int64_t>(job.request.generation.max_tokens, 1, std::max<int64_t>(64, engine->context_length() / 4)));

  runtime::ChatReply answer;
  auto generate = [&](const std::string& prompt, bool final) {
    runtime::ChatRequest step;
    step.messages.push_back({{"role", "user"}, {"content", prompt}});
    step.template_options = job.request.template_options;
    if (!final) step.template_options.enable_thinking = false;  // notes, not deliberation
    step.generation = job.request.generation;
    step.generation.max_tokens = static_cast<int>(options.answer_tokens);
    std::string text;
    runtime::ChatReply reply = chat.reply(
        step,
        [&](const runtime::ChatDelta& d) {
          text += d.content;
          if (final) on_delta(d);
        },
        &cancel_);
    if (reply.stats.stop == runtime::StopReason::Cancelled) fail(ErrorCode::Cancelled, "stopped");
    if (final) answer = std::move(reply);
    return text;
  };
  const QString name = QString::fromStdString(reading.name);
  auto progress = [&](const knowledge::WalkProgress& p) {
    if (p.parts_done == p.parts_total) return;  // the next step's report follows
    const QString stage = p.level == 0
                              ? tr("Reading %1: part %2 of %3").arg(name).arg(p.parts_done + 1).arg(p.parts_total)
                              : tr("Combining the notes on %1 (step %2: %3 of %4)")
                                    .arg(name)
                                    .arg(p.level)
                                    .arg(p.parts_done + 1)
                                    .arg(p.parts_total);
    Q_EMIT readingProgress(job.message, stage);
  };
  try {
    knowledge::walk_document(reading.chunks, reading.name, reading.task, counter, generate, options, progress);
  } catch (...) {
    Q_EMIT readingProgress(job.message, QString());
    throw;
  }
  Q_EMIT readingProgress(job.message, QString());
  return answer;
}

}  // namespace vole::desktop
