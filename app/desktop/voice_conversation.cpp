#include "voice_conversation.h"

#include "event_log.h"
#include "speech_output.h"

namespace vole::desktop {

VoiceConversation::VoiceConversation(SpeechOutput* speech, ConversationListener* listener,
                                     std::function<bool(const QString&)> send, std::function<void()> stop_answer,
                                     QObject* parent)
    : QObject(parent),
      speech_(speech),
      listener_(listener),
      send_(std::move(send)),
      stop_answer_(std::move(stop_answer)) {
  connect(listener_, &ConversationListener::utterance, this, [this](const QString& text) {
    if (state_ != State::Listening) return;
    if (text.trimmed().isEmpty()) {  // a cough, a door: listen again
      listen();
      return;
    }
    set_state(State::Thinking);
    if (!send_(text)) {
      error_ = tr("Your words could not be sent (is a model loaded?).");
      listen();
    }
  });
  connect(listener_, &ConversationListener::speechDetected, this, [this] {
    if (state_ != State::Speaking) return;
    log_event("voice-barge-in", {{"frames", speech_->playback().frames_written()}});
    silence();  // barge-in: the user is already speaking, so the next turn starts now
    listen();
  });
  connect(listener_, &ConversationListener::failed, this, [this](const QString& message) {
    error_ = message;
    end();
  });
  connect(speech_, &SpeechOutput::speakingChanged, this, [this] {
    if (state_ == State::Thinking && speech_->speaking()) {
      set_state(State::Speaking);
      listener_->set_barge_in(true);
    } else if (state_ == State::Speaking && !speech_->speaking()) {
      listen();
    }
  });
}

QString VoiceConversation::state() const {
  switch (state_) {
    case State::Off:
      return "off";
    case State::Listening:
      return "listening";
    case State::Thinking:
      return "thinking";
    case State::Speaking:
      return "speaking";
  }
  return "off";
}

void VoiceConversation::set_state(State s) {
  if (s == state_) return;
  state_ = s;
  speech_->set_conversation_active(s != State::Off);
  log_event("voice-conversation", {{"state", state()}});
  Q_EMIT stateChanged();
}

void VoiceConversation::listen() {
  listener_->set_barge_in(false);
  set_state(State::Listening);
  listener_->listen();
}

void VoiceConversation::start() {
  if (state_ != State::Off) return;
  error_.clear();
  listen();
}

void VoiceConversation::end() {
  if (state_ == State::Off) return;
  silence();
  listener_->set_barge_in(false);
  listener_->stop_listening();
  set_state(State::Off);
}

void VoiceConversation::escape() {
  if (state_ == State::Listening) {
    end();
  } else if (state_ != State::Off) {
    silence();
    listen();
  }
}

void VoiceConversation::silence() {
  const State was = state_;
  state_ = State::Off;  // the speaking-ended signal stop() sends is ours, not a turn's end
  stop_answer_();
  speech_->stop();
  state_ = was;
}

void VoiceConversation::answer_ended() {
  // Spoken answers end with their playback; one that produced nothing to say ends here.
  if (state_ == State::Thinking && !speech_->speaking()) listen();
}

}  // namespace vole::desktop
