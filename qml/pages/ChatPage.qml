import QtQuick
import QtQuick.Layouts
import Vole
import Vole.Style
import "../components"

// Conversations on the left, the open conversation on the right.
Item {
    RowLayout {
        anchors.fill: parent
        spacing: 0
        Sidebar {
            Layout.preferredWidth: Theme.sidebarWidth
            Layout.fillHeight: true
        }
        Rectangle { Layout.fillHeight: true; width: 1; color: Theme.border }
        ChatView {
            Layout.fillWidth: true
            Layout.fillHeight: true
        }
    }
}
