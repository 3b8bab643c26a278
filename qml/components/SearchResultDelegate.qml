import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// A search hit: the conversation, the matching words highlighted in context, when.
ItemDelegate {
    id: root
    required property var conversationId
    required property var messageId
    required property string titleHtml
    required property string snippet
    required property string kind
    required property string timeText
    signal openRequested()

    padding: 8
    focusPolicy: Qt.NoFocus
    onClicked: openRequested()
    background: Rectangle {
        radius: Theme.radiusSmall
        color: App.chat.conversationId === root.conversationId ? Theme.selected
             : root.hovered ? Theme.hover : "transparent"
    }
    contentItem: ColumnLayout {
        spacing: 3
        Text {
            Layout.fillWidth: true
            text: root.titleHtml
            textFormat: Text.RichText
            elide: Text.ElideRight
            font.weight: Font.DemiBold
            font.pixelSize: Theme.fontSize - 1
            color: Theme.text
        }
        Text {
            Layout.fillWidth: true
            visible: root.kind !== "title"
            text: root.snippet
            textFormat: Text.RichText
            wrapMode: Text.Wrap
            maximumLineCount: 3
            elide: Text.ElideRight
            font.pixelSize: Theme.fontSmall + 0.5
            color: Theme.textMuted
        }
        Text {
            text: (root.kind === "user" ? qsTr("You") : root.kind === "assistant" ? qsTr("Vole")
                                                      : qsTr("Title")) + " · " + root.timeText
            font.pixelSize: Theme.fontSmall - 1
            color: Theme.textFaint
        }
    }
}
