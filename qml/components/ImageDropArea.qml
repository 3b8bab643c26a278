import QtQuick
import Vole
import Vole.Style

// Pictures dropped anywhere on the chat go to the composer.
DropArea {
    id: root
    readonly property var attachments: App.chat.attachments
    keys: ["text/uri-list"]
    onEntered: (drag) => drag.accept(Qt.CopyAction)
    onDropped: (drop) => {
        if (drop.hasUrls) {
            root.attachments.addFiles(drop.urls)
            drop.accept(Qt.CopyAction)
        }
    }

    Rectangle {
        anchors.fill: parent
        anchors.margins: 8
        visible: root.containsDrag
        radius: Theme.radius
        color: Theme.accentSoft
        opacity: 0.85
        border.color: Theme.accent
        border.width: 2
        Text {
            anchors.centerIn: parent
            text: root.attachments.blocker === "" ? qsTr("Drop images to attach them") : root.attachments.blocker
            color: Theme.accent
            font.pixelSize: Theme.fontLarge
            width: parent.width * 0.8
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
        }
    }
}
