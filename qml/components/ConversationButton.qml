import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// The hands-free voice conversation (App.conversation): a tap starts it (listen → answer →
// speak → listen), another tap or Esc while listening ends it. Its state is shown beside
// the button; speaking over an answer interrupts it (Settings: interrupt sensitivity), and
// Esc while Vole thinks or speaks goes back to listening.
RowLayout {
    id: root
    readonly property var conversation: App.conversation
    readonly property bool active: conversation.state !== "off"
    spacing: 6

    RowLayout {
        visible: root.active
        spacing: 6
        Rectangle {
            implicitWidth: 8
            implicitHeight: 8
            radius: 4
            color: root.conversation.state === "listening" ? Theme.danger
                 : root.conversation.state === "speaking" ? Theme.accent : Theme.textFaint
        }
        Text {
            objectName: "conversationState"
            text: root.conversation.state === "listening" ? qsTr("Listening: speak, then pause")
                : root.conversation.state === "thinking" ? qsTr("Thinking…")
                : qsTr("Speaking: talk to interrupt · Esc")
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall - 1
        }
    }

    RoundButton {
        id: button
        implicitWidth: 34
        implicitHeight: 34
        focusPolicy: Qt.NoFocus
        Accessible.name: root.active ? qsTr("End the voice conversation") : qsTr("Voice conversation")
        ToolTip.visible: hovered
        ToolTip.delay: 500
        ToolTip.text: root.active ? qsTr("End the voice conversation (Esc while listening)")
                                  : qsTr("Talk with Vole hands-free: it listens, answers aloud, and listens again. Headphones work best, so Vole does not hear itself.")
        icon.source: "qrc:/qml/icons/conversation.svg"
        icon.width: 18
        icon.height: 18
        icon.color: root.active ? Theme.accentInk : Theme.textMuted
        onClicked: root.active ? root.conversation.end() : root.conversation.start()
        background: Rectangle {
            radius: 17
            color: root.active ? Theme.accent : button.hovered ? Theme.hover : "transparent"
            border.color: root.active ? Theme.accent : Theme.border
        }
        TestProbe { target: button; name: "conversation-button" }
    }
}
