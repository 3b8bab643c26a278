#pragma once
// One chat answer from a model on another server (engine/remote), shaped as a local
// runtime::Chat::reply: the same deltas, statistics and stop reasons, so the worker
// stores, streams, stops and continues remote answers exactly like local ones.
#include <QString>
#include <atomic>

#include "runtime/chat.h"

namespace vole::desktop {

// A remote model as the worker needs it (the Models page's Remote source).
struct RemoteTarget {
  QString base_url;  // "https://host/v1"
  QString api_key;   // "" for none
  QString model;     // an id from the server's /v1/models
};

// Streams the answer to `request` (its messages, sampling, stop strings; a continued
// answer is sent as the conversation's last, partial assistant turn, which servers such
// as llama.cpp and vLLM extend). Throws remote::RemoteError (unreachable, key refused,
// busy, dropped stream) after delivering what streamed, or Error(Cancelled) once
// `cancel` is set.
runtime::ChatReply remote_reply(const RemoteTarget& target, const runtime::ChatRequest& request,
                                const runtime::DeltaCallback& on_delta, const std::atomic<bool>* cancel);

}  // namespace vole::desktop
