import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// One conversation in the sidebar: click to open, double-click or menu to rename.
ItemDelegate {
    id: root
    required property var conversationId
    required property string title
    required property bool pinned
    signal openRequested()
    signal deleteRequested()
    signal exportRequested(string format)

    readonly property bool current: App.chat.conversationId === conversationId
    property bool renaming: false

    implicitHeight: 36
    padding: 0
    leftPadding: 10
    rightPadding: 4
    focusPolicy: Qt.NoFocus
    onClicked: openRequested()
    onDoubleClicked: renaming = true
    background: Rectangle {
        radius: Theme.radiusSmall
        color: root.current ? Theme.selected : root.hovered ? Theme.hover : "transparent"
    }
    contentItem: RowLayout {
        spacing: 4
        Icon {
            visible: root.pinned
            glyph: "pin"
            size: 13
            color: Theme.textMuted
        }
        Text {
            visible: !root.renaming
            Layout.fillWidth: true
            text: root.title
            elide: Text.ElideRight
            color: Theme.text
            font.pixelSize: Theme.fontSize - 0.5
            font.weight: root.current ? Font.Medium : Font.Normal
        }
        TextField {
            id: editor
            visible: root.renaming
            Layout.fillWidth: true
            text: root.title
            selectByMouse: true
            color: Theme.text
            onVisibleChanged: if (visible) { forceActiveFocus(); selectAll() }
            onAccepted: {
                App.conversations.rename(root.conversationId, text)
                root.renaming = false
            }
            onActiveFocusChanged: if (!activeFocus) root.renaming = false
            Keys.onEscapePressed: root.renaming = false
            background: Rectangle {
                radius: 4
                color: Theme.surface
                border.color: Theme.accent
            }
        }
        IconButton {
            visible: !root.renaming && (root.hovered || menu.visible)
            iconName: "more"
            tip: qsTr("More")
            implicitWidth: 28
            implicitHeight: 28
            onClicked: menu.popup()
        }
    }
    Menu {
        id: menu
        MenuItem { text: qsTr("Rename"); onTriggered: root.renaming = true }
        MenuItem {
            text: root.pinned ? qsTr("Unpin") : qsTr("Pin to top")
            onTriggered: App.conversations.setPinned(root.conversationId, !root.pinned)
        }
        MenuSeparator {}
        MenuItem { text: qsTr("Export as Markdown…"); onTriggered: root.exportRequested("markdown") }
        MenuItem { text: qsTr("Export as JSON…"); onTriggered: root.exportRequested("json") }
        MenuSeparator {}
        MenuItem {
            text: qsTr("Delete")
            onTriggered: root.deleteRequested()
        }
    }
}
