import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Where the user writes. Enter sends, Shift+Enter starts a new line; while an answer
// streams the send button becomes Stop (Esc does the same).
Item {
    id: root
    property real columnWidth: 700
    implicitHeight: frame.height + 28

    function send() {
        if (App.chat.send(input.text)) input.text = ""
    }

    Connections {
        target: App
        function onFocusRequested(target) { if (target === "composer") input.forceActiveFocus() }
    }
    Connections {
        target: App.chat
        function onConversationChanged() { input.forceActiveFocus() }
    }
    Component.onCompleted: input.forceActiveFocus()

    Rectangle {
        id: frame
        width: root.columnWidth
        height: Math.min(layout.implicitHeight, 260) + 16
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.top: parent.top
        anchors.topMargin: 8
        radius: 16
        color: Theme.surface
        border.width: input.activeFocus ? 1.5 : 1
        border.color: input.activeFocus ? Theme.accent : Theme.border

        ColumnLayout {
            id: layout
            anchors.fill: parent
            anchors.margins: 8
            spacing: 4

            ImageAttachmentBar { Layout.fillWidth: true }
            ScrollView {
                id: scroller
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.preferredHeight: Math.min(input.implicitHeight, 200)
                Layout.maximumHeight: 200
                TextArea {
                    id: input
                    objectName: "composer"
                    wrapMode: TextEdit.Wrap
                    placeholderText: App.chat.canSend || App.chat.generating
                                     ? qsTr("Message Vole…") : App.chat.sendBlocker
                    placeholderTextColor: Theme.placeholder
                    color: Theme.text
                    selectionColor: Theme.selection
                    selectByMouse: true
                    font.pixelSize: Theme.fontSize + 1
                    leftPadding: 8
                    rightPadding: 8
                    topPadding: 6
                    bottomPadding: 6
                    background: null
                    Accessible.name: qsTr("Message")
                    Keys.onPressed: (event) => {
                        if (event.matches(StandardKey.Paste) && App.chat.attachments.clipboardHasImage()) {
                            event.accepted = true  // a picture (or picture files) on the clipboard: attach it
                            App.chat.attachments.paste()
                            return
                        }
                        if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter)
                                && !(event.modifiers & Qt.ShiftModifier)) {
                            event.accepted = true
                            root.send()
                        }
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                spacing: 6
                AttachImageButton {}
                // Per-chat thinking toggle, where the model's template supports it.
                AbstractButton {
                    id: thinkToggle
                    visible: App.engine.state === EngineState.Ready && App.engine.supportsThinking
                    checkable: true
                    checked: App.chat.thinking
                    focusPolicy: Qt.NoFocus
                    onToggled: App.chat.thinking = checked
                    implicitHeight: 28
                    implicitWidth: thinkRow.implicitWidth + 20
                    ToolTip.visible: hovered
                    ToolTip.delay: 500
                    ToolTip.text: qsTr("Let the model think before it answers (slower, often better on hard questions)")
                    background: Rectangle {
                        radius: 14
                        color: thinkToggle.checked ? Theme.accentSoft : thinkToggle.hovered ? Theme.hover : "transparent"
                        border.color: thinkToggle.checked ? Theme.accent : Theme.border
                    }
                    contentItem: RowLayout {
                        id: thinkRow
                        spacing: 5
                        Icon {
                            glyph: "thinking"
                            size: 14
                            color: thinkToggle.checked ? Theme.accent : Theme.textMuted
                            Layout.leftMargin: 10
                        }
                        Text {
                            text: qsTr("Think")
                            font.pixelSize: Theme.fontSmall
                            color: thinkToggle.checked ? Theme.accent : Theme.textMuted
                            Layout.rightMargin: 10
                        }
                    }
                }
                Text {
                    Layout.fillWidth: true
                    horizontalAlignment: Text.AlignRight
                    // While a whole document is read: which part (the answer streams after the last).
                    text: App.knowledgeChat.readingStatus !== "" ? App.knowledgeChat.readingStatus + qsTr(" · Esc to stop")
                        : App.chat.generating ? qsTr("Esc to stop") : qsTr("Enter to send · Shift+Enter for a new line")
                    color: Theme.textFaint
                    font.pixelSize: Theme.fontSmall - 1
                    elide: Text.ElideLeft
                }
                ConversationButton {}
                MicButton {
                    visible: App.conversation.state === "off"
                    target: input
                    onSendRequested: root.send()
                }
                RoundButton {
                    id: sendButton
                    readonly property bool stopping: App.chat.generating
                    implicitWidth: 34
                    implicitHeight: 34
                    focusPolicy: Qt.NoFocus
                    enabled: stopping || (App.chat.canSend && (input.text.trim() !== "" || App.chat.attachments.count > 0))
                    onClicked: stopping ? App.chat.stop() : root.send()
                    Accessible.name: stopping ? qsTr("Stop") : qsTr("Send")
                    ToolTip.visible: hovered
                    ToolTip.delay: 500
                    ToolTip.text: stopping ? qsTr("Stop (Esc)") : qsTr("Send (Enter)")
                    icon.source: stopping ? "qrc:/qml/icons/stop.svg" : "qrc:/qml/icons/send.svg"
                    icon.width: 18
                    icon.height: 18
                    icon.color: enabled ? Theme.accentInk : Theme.textFaint
                    background: Rectangle {
                        radius: 17
                        color: !sendButton.enabled ? Theme.surfaceAlt
                             : sendButton.hovered ? Theme.accentHover : Theme.accent
                    }
                }
            }
        }
    }
}
