#include "engine_state.h"

#include <QQmlEngine>

namespace vole::desktop {

void register_engine_state_type() {
  qmlRegisterUncreatableMetaObject(EngineState::staticMetaObject, "Vole", 1, 0, "EngineState",
                                   "EngineState only names the engine's states");
}

}  // namespace vole::desktop
