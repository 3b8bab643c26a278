#include "conversation_microphone.h"

#include "voice_input.h"
#include "voice_settings.h"

namespace vole::desktop {

ConversationMicrophone::ConversationMicrophone(VoiceInput* voice, VoiceSettings* settings, QObject* parent)
    : ConversationListener(parent), voice_(voice), settings_(settings) {
  connect(voice_, &VoiceInput::turnTranscribed, this, &ConversationListener::utterance);
  connect(voice_, &VoiceInput::turnFailed, this, &ConversationListener::failed);
  connect(&barge_in_, &BargeInDetector::speechDetected, this, &ConversationListener::speechDetected);
  // A microphone that fails during playback ends the conversation like one that fails
  // while listening.
  connect(&barge_in_, &BargeInDetector::failed, this, &ConversationListener::failed);
}

void ConversationMicrophone::listen() {
  barge_in_.disarm();  // one capture at a time
  QString problem = voice_->startTurn(settings_->turnPause());
  if (problem == QStringLiteral("no-speech-model"))
    problem = tr("A voice conversation needs a speech-to-text model: download one on the Models page.");
  if (!problem.isEmpty()) Q_EMIT failed(problem);
}

void ConversationMicrophone::stop_listening() {
  barge_in_.disarm();
  voice_->cancel();
}

void ConversationMicrophone::set_barge_in(bool on) {
  if (!on || settings_->interruptSensitivity() == 0) {
    barge_in_.disarm();
    return;
  }
  voice_->cancel();  // not listening for a turn while the answer plays
  // Without a working microphone the answer still plays; Esc interrupts it.
  barge_in_.arm(voice_->microphone().toUtf8(), BargeInDetector::for_sensitivity(settings_->interruptSensitivity()));
}

}  // namespace vole::desktop
