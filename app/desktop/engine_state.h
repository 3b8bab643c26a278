#pragma once
// Where the engine is with its model, one enum for C++ and QML. QML reads it as
// `App.engine.state === EngineState.Ready` (registered by register_engine_state_type).
#include <QObject>

namespace vole::desktop {

class EngineState {
  Q_GADGET
 public:
  enum Value {
    None,     // no model chosen (or its loading was cancelled)
    Loading,  // a load is running; progress and stage say how far
    Ready,    // a model is loaded and can answer
    Error,    // the last load failed; EngineController::error says why
  };
  Q_ENUM(Value)
};

// Makes `EngineState.Ready` etc. known to QML in the module `Vole` (no instances).
void register_engine_state_type();

}  // namespace vole::desktop
