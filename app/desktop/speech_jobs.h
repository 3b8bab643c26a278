#pragma once
// The values that cross between the UI thread and the engine worker for speech to text
// (queued signals copy them; registered by register_speech_types()).
#include <QMetaType>
#include <QString>
#include <vector>

namespace vole::desktop {

struct TranscriptionJob {
  qint64 id = 0;               // the requester's number, echoed in the result
  QString model_dir;           // the speech model (loaded on first use, kept while it stays the same)
  QString device;              // used only if no model is on a device yet ("" = automatic)
  std::vector<float> samples;  // 16 kHz mono, the whole recording so far
  bool partial = false;        // a preview while the user still speaks
};

struct TranscriptionResult {
  qint64 id = 0;
  bool partial = false;
  QString text;   // the segments' texts joined by spaces ("" for silence)
  QString error;  // "" on success
  double audio_seconds = 0;
  double compute_ms = 0;  // transcription only (not the model load)
};

void register_speech_types();

}  // namespace vole::desktop

Q_DECLARE_METATYPE(vole::desktop::TranscriptionJob)
Q_DECLARE_METATYPE(vole::desktop::TranscriptionResult)
