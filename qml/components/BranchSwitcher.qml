import QtQuick
import QtQuick.Layouts
import Vole
import Vole.Style

// "‹ 2 / 3 ›": moves between the versions of a message (edits, regenerations).
RowLayout {
    id: root
    property var messageId
    property int siblingIndex
    property int siblingCount
    spacing: 0
    IconButton {
        iconName: "chevron-left"
        iconSize: 15
        implicitWidth: 24
        tip: qsTr("Previous version")
        enabled: root.siblingIndex > 0 && !App.chat.generating
        onClicked: App.chat.showSibling(root.messageId, -1)
    }
    Text {
        text: (root.siblingIndex + 1) + " / " + root.siblingCount
        color: Theme.textMuted
        font.pixelSize: Theme.fontSmall
    }
    IconButton {
        iconName: "chevron-right"
        iconSize: 15
        implicitWidth: 24
        tip: qsTr("Next version")
        enabled: root.siblingIndex < root.siblingCount - 1 && !App.chat.generating
        onClicked: App.chat.showSibling(root.messageId, 1)
    }
}
