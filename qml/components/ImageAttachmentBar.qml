import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Above the composer's text: the pictures to send (thumbnails, each removable), what they
// will cost in tokens, why the last one was refused, and the worker's progress while it
// prepares a prompt's images.
ColumnLayout {
    id: root
    readonly property var attachments: App.chat.attachments
    visible: attachments.count > 0 || attachments.error !== "" || attachments.encoding
    spacing: 4

    Flow {
        Layout.fillWidth: true
        visible: root.attachments.count > 0
        spacing: 6
        Repeater {
            objectName: "attachmentThumbnails"
            model: root.attachments
            delegate: Rectangle {
                required property int index
                required property url source
                required property string name
                required property int tokens
                width: 64
                height: 64
                radius: 8
                color: Theme.surfaceAlt
                border.color: Theme.border
                clip: true
                Image {
                    anchors.fill: parent
                    anchors.margins: 1
                    source: parent.source
                    sourceSize.width: 128
                    sourceSize.height: 128
                    fillMode: Image.PreserveAspectCrop
                    asynchronous: true
                }
                ToolTip.visible: thumbHover.hovered
                ToolTip.delay: 400
                ToolTip.text: tokens >= 0 ? qsTr("%1 · %2 image tokens").arg(name).arg(tokens) : name
                HoverHandler { id: thumbHover }
                IconButton {
                    anchors.top: parent.top
                    anchors.right: parent.right
                    implicitWidth: 22
                    implicitHeight: 22
                    iconName: "close"
                    iconSize: 12
                    tip: qsTr("Remove")
                    Accessible.name: qsTr("Remove %1").arg(parent.name)
                    onClicked: root.attachments.remove(parent.index)
                }
            }
        }
    }
    Text {
        objectName: "attachmentTokens"
        visible: root.attachments.count > 0
        text: root.attachments.tokenCount >= 0
              ? qsTr("%n image(s) · %1 image tokens", "", root.attachments.count).arg(root.attachments.tokenCount)
              : qsTr("%n image(s)", "", root.attachments.count)
        color: Theme.textMuted
        font.pixelSize: Theme.fontSmall - 1
    }
    Text {
        Layout.fillWidth: true
        visible: root.attachments.error !== ""
        text: root.attachments.error
        color: Theme.danger
        wrapMode: Text.Wrap
        font.pixelSize: Theme.fontSmall
    }
    RowLayout {
        Layout.fillWidth: true
        visible: root.attachments.encoding
        Text {
            text: root.attachments.encodeStage
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall - 1
        }
        VProgressBar {
            Layout.fillWidth: true
            value: root.attachments.encodeProgress
        }
    }
}
