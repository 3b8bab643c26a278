// The navigation rail's pages. To add one: write qml/pages/<Name>Page.qml (it is
// bundled automatically) and add one line here. See docs/ARCHITECTURE.md.
#include "page_registry.h"

namespace vole::desktop {

void register_pages(PageRegistry& registry) {
  registry.add({"chat", "Chats", QUrl("qrc:/qml/icons/chat.svg"), QUrl("qrc:/qml/pages/ChatPage.qml"), "", false});
  registry.add(
      {"models", "Models", QUrl("qrc:/qml/icons/model.svg"), QUrl("qrc:/qml/pages/ModelsPage.qml"), "Ctrl+M", false});
  registry.add({"knowledge", "Knowledge", QUrl("qrc:/qml/icons/knowledge.svg"),
                QUrl("qrc:/qml/pages/KnowledgePage.qml"), "Ctrl+K", false});
  registry.add({"settings", "Settings", QUrl("qrc:/qml/icons/settings.svg"), QUrl("qrc:/qml/pages/SettingsPage.qml"),
                "Ctrl+,", true});
}

}  // namespace vole::desktop
