import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Asks before something that cannot be undone (deleting a model's files), or, with
// destructive: false, before an ordinary step the user should agree to (a download).
Popup {
    id: root
    property string title
    property string message
    property string confirmText: qsTr("Delete")
    property bool destructive: true     // false: an ordinary confirmation (primary button)
    property string confirmIcon: "trash"
    signal confirmed()

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: Math.min(parent.width - 80, 460)
    modal: true
    padding: 20
    background: Rectangle {
        radius: Theme.radius
        color: Theme.surface
        border.color: Theme.border
    }
    onOpened: App.logEvent("dialog", { "title": root.title })

    contentItem: ColumnLayout {
        spacing: 14
        Text {
            Layout.fillWidth: true
            text: root.title
            font.pixelSize: Theme.fontLarge
            font.weight: Font.DemiBold
            color: Theme.text
            wrapMode: Text.Wrap
        }
        Text {
            Layout.fillWidth: true
            text: root.message
            color: Theme.textMuted
            wrapMode: Text.Wrap
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Item { Layout.fillWidth: true }
            VButton { text: qsTr("Cancel"); onClicked: root.close() }
            VButton {
                danger: root.destructive
                primary: !root.destructive
                text: root.confirmText
                iconName: root.confirmIcon
                onClicked: {
                    root.close()
                    root.confirmed()
                }
            }
        }
    }
}
