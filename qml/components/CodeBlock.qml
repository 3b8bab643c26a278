import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// A fenced code block: monospace, scrolls sideways instead of wrapping, language and a
// Copy button in its header.
Rectangle {
    id: root
    property string code
    property string language
    property bool copied: false

    implicitHeight: header.height + body.height
    radius: Theme.radiusSmall
    color: Theme.codeBackground
    border.color: Theme.border
    clip: true

    Rectangle {
        id: header
        width: parent.width
        height: 30
        color: Theme.codeHeader
        radius: Theme.radiusSmall
        Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: parent.radius; color: parent.color }
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 12
            anchors.rightMargin: 4
            Text {
                text: root.language !== "" ? root.language : qsTr("code")
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
                font.family: Theme.monospace
                Layout.fillWidth: true
            }
            Button {
                id: copyButton
                flat: true
                implicitHeight: 24
                focusPolicy: Qt.NoFocus
                onClicked: {
                    App.chat.copyToClipboard(root.code)
                    root.copied = true
                    copiedTimer.restart()
                }
                background: Rectangle { radius: 4; color: copyButton.hovered ? Theme.hover : "transparent" }
                contentItem: Row {
                    spacing: 4
                    Icon {
                        glyph: root.copied ? "check" : "copy"
                        size: 14
                        color: Theme.textMuted
                        anchors.verticalCenter: parent.verticalCenter
                    }
                    Text {
                        text: root.copied ? qsTr("Copied") : qsTr("Copy")
                        color: Theme.textMuted
                        font.pixelSize: Theme.fontSmall
                        anchors.verticalCenter: parent.verticalCenter
                    }
                }
                Timer { id: copiedTimer; interval: 1500; onTriggered: root.copied = false }
            }
        }
    }
    Flickable {
        id: body
        y: header.height
        width: parent.width
        height: codeText.implicitHeight + 20
        contentWidth: codeText.implicitWidth + 24
        contentHeight: height
        flickableDirection: Flickable.HorizontalFlick
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        ScrollBar.horizontal: ScrollBar { policy: ScrollBar.AsNeeded }
        TextEdit {
            id: codeText
            x: 12
            y: 10
            text: root.code
            textFormat: TextEdit.PlainText
            readOnly: true
            selectByMouse: true
            font.family: Theme.monospace
            font.pixelSize: Theme.fontSize - 1
            color: Theme.text
            selectionColor: Theme.selection
        }
    }
}
