#pragma once
// The listening half of the voice conversation (ConversationListener) on the real
// microphone: each turn is a hands-free recording of VoiceInput that ends at a pause of
// the chosen length and is transcribed on the engine thread (its words become
// `utterance`); while an answer is spoken, BargeInDetector listens for the user talking
// over it (`speechDetected`). No speech model, no microphone, or a microphone that goes
// away mid-turn end the conversation with the reason (`failed`).
#include "barge_in_detector.h"
#include "voice_conversation.h"

namespace vole::desktop {

class VoiceInput;
class VoiceSettings;

class ConversationMicrophone : public ConversationListener {
  Q_OBJECT

 public:
  ConversationMicrophone(VoiceInput* voice, VoiceSettings* settings, QObject* parent = nullptr);

  void listen() override;
  void stop_listening() override;
  void set_barge_in(bool on) override;

  BargeInDetector& barge_in() { return barge_in_; }

 private:
  VoiceInput* voice_;
  VoiceSettings* settings_;
  BargeInDetector barge_in_;
};

}  // namespace vole::desktop
