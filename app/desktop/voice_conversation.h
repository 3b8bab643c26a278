#pragma once
// Hands-free voice conversation (`App.conversation`): listen → think → speak → listen, as
// a state machine with a visible state. The listening half is the `ConversationListener`
// interface: ConversationMicrophone in the app (voice input turns + barge-in detection),
// a scripted listener in tests.
//
//   Off        --start()-------------------------------> Listening (listener.listen())
//   Listening  --utterance(text)--> send(text) --------> Thinking
//   Thinking   --the answer's speech starts------------> Speaking (barge-in detection on)
//   Thinking   --the answer ended without speech-------> Listening
//   Speaking   --playback ended------------------------> Listening
//   Speaking   --speechDetected (barge-in) or Esc------> playback and answer stopped, Listening
//   Thinking   --Esc-----------------------------------> answer stopped, Listening
//   Listening  --Esc, or end()-------------------------> Off
// While it runs, answers are spoken whatever the *Read answers aloud* setting says.
#include <QObject>
#include <QString>
#include <functional>

namespace vole::desktop {

class SpeechOutput;

// What the microphone side provides for a conversation.
class ConversationListener : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;
  // Starts one hands-free turn: `utterance` once the user has spoken and paused.
  virtual void listen() = 0;
  virtual void stop_listening() = 0;
  // During playback, voice detection keeps running with a raised threshold (and echo
  // cancellation where available): ~130-250 ms of sustained speech emits speechDetected.
  virtual void set_barge_in(bool on) = 0;

 Q_SIGNALS:
  void utterance(const QString& text);
  void speechDetected();
  void failed(const QString& message);
};

class VoiceConversation : public QObject {
  Q_OBJECT
  Q_PROPERTY(QString state READ state NOTIFY stateChanged)  // off | listening | thinking | speaking
  Q_PROPERTY(QString error READ error NOTIFY stateChanged)

 public:
  enum class State { Off, Listening, Thinking, Speaking };
  // `send` puts the user's words into the chat (false: it could not, e.g. no model);
  // `stop_answer` stops the answer being generated.
  VoiceConversation(SpeechOutput* speech, ConversationListener* listener, std::function<bool(const QString&)> send,
                    std::function<void()> stop_answer, QObject* parent = nullptr);

  State current() const { return state_; }
  QString state() const;
  QString error() const { return error_; }
  Q_INVOKABLE void start();
  Q_INVOKABLE void end();
  Q_INVOKABLE void escape();
  // The chat's answer has ended (any status): back to listening if nothing is spoken.
  void answer_ended();

 Q_SIGNALS:
  void stateChanged();

 private:
  void set_state(State s);
  void listen();
  void silence();  // stops the answer and its speech

  SpeechOutput* speech_;
  ConversationListener* listener_;
  std::function<bool(const QString&)> send_;
  std::function<void()> stop_answer_;
  State state_ = State::Off;
  QString error_;
};

}  // namespace vole::desktop
