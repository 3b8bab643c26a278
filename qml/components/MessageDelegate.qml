import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// One message. User messages: plain text in a bubble, with Edit (edit and resend on a new
// branch), Copy and, when it was dictated with "Keep recordings" on, its recording. Answers: thinking (collapsed), Markdown with code blocks, status
// (interrupted / stopped / failed, with Continue or Retry), Copy, Regenerate, stats.
Item {
    id: root
    required property int index
    required property var messageId
    required property string author
    required property string content
    required property string reasoning
    required property var blocks
    required property string status
    required property string errorText
    required property string statsText
    required property string statsDetail
    required property int siblingIndex
    required property int siblingCount
    required property real thinkingSeconds
    required property bool thinking
    required property bool isLast
    required property var images
    required property url recording
    required property real recordingSeconds
    property real columnWidth: 700
    property bool flash: false

    readonly property bool isUser: author === "user"
    readonly property bool streaming: status === "streaming"
    readonly property bool busy: App.chat.generating
    property bool editing: false

    implicitHeight: column.implicitHeight + 12
    HoverHandler { id: hover }

    Rectangle {
        anchors.fill: column
        anchors.margins: -8
        radius: Theme.radius
        color: Theme.accentSoft
        opacity: root.flash ? 0.8 : 0
        Behavior on opacity { NumberAnimation { duration: 400 } }
    }

    ColumnLayout {
        id: column
        width: root.columnWidth
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.top: parent.top
        anchors.topMargin: 6
        spacing: 4

        // ================= user =================
        MessageImages {
            Layout.alignment: Qt.AlignRight
            Layout.maximumWidth: root.columnWidth * 0.85
            images: root.images
        }
        Rectangle {
            visible: root.isUser && !root.editing
            Layout.alignment: Qt.AlignRight
            Layout.maximumWidth: root.columnWidth * 0.85
            implicitWidth: Math.min(userText.implicitWidth + 28, root.columnWidth * 0.85)
            implicitHeight: userText.implicitHeight + 20
            radius: 16
            color: Theme.userBubble
            TextEdit {
                id: userText
                x: 14
                y: 10
                width: parent.width - 28
                text: root.content
                textFormat: TextEdit.PlainText
                wrapMode: TextEdit.Wrap
                readOnly: true
                selectByMouse: true
                color: Theme.text
                selectionColor: Theme.selection
                font.pixelSize: Theme.fontSize
            }
        }
        // edit and resend
        Rectangle {
            visible: root.editing
            Layout.fillWidth: true
            implicitHeight: editColumn.implicitHeight + 20
            radius: 14
            color: Theme.surface
            border.color: Theme.accent
            ColumnLayout {
                id: editColumn
                anchors.fill: parent
                anchors.margins: 10
                TextArea {
                    id: editor
                    Layout.fillWidth: true
                    wrapMode: TextEdit.Wrap
                    color: Theme.text
                    selectByMouse: true
                    background: null
                    Keys.onPressed: (event) => {
                        if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter) && !(event.modifiers & Qt.ShiftModifier)) {
                            event.accepted = true
                            saveEdit()
                        } else if (event.key === Qt.Key_Escape) {
                            event.accepted = true
                            root.editing = false
                        }
                    }
                    function saveEdit() {
                        if (App.chat.editAndResend(root.messageId, text)) root.editing = false
                    }
                }
                RowLayout {
                    Layout.alignment: Qt.AlignRight
                    Text {
                        text: qsTr("The original stays as an earlier branch.")
                        color: Theme.textMuted
                        font.pixelSize: Theme.fontSmall
                    }
                    VButton { text: qsTr("Cancel"); onClicked: root.editing = false }
                    VButton {
                        text: qsTr("Send")
                        primary: true
                        enabled: App.chat.canSend && editor.text.trim() !== ""
                        onClicked: editor.saveEdit()
                    }
                }
            }
        }
        RowLayout {
            visible: root.isUser && !root.editing
            Layout.alignment: Qt.AlignRight
            spacing: 2
            RecordingButton {
                visible: root.recording.toString() !== ""
                messageId: root.messageId
                source: root.recording
                seconds: root.recordingSeconds
            }
            IconButton {
                iconName: "edit"
                tip: qsTr("Edit and resend")
                enabled: App.chat.canSend
                opacity: hover.hovered ? 1 : 0
                onClicked: {
                    editor.text = root.content
                    root.editing = true
                    editor.forceActiveFocus()
                    editor.cursorPosition = editor.length
                }
            }
            IconButton {
                iconName: "copy"
                tip: qsTr("Copy")
                opacity: hover.hovered ? 1 : 0
                onClicked: App.chat.copyToClipboard(root.content)
            }
            BranchSwitcher {
                visible: root.siblingCount > 1
                messageId: root.messageId
                siblingIndex: root.siblingIndex
                siblingCount: root.siblingCount
            }
        }

        // ================= assistant =================
        ThinkingSection {
            visible: !root.isUser && root.reasoning !== ""
            Layout.fillWidth: true
            reasoning: root.reasoning
            thinking: root.thinking
            seconds: root.thinkingSeconds
        }
        // Waiting for the first words.
        Row {
            visible: !root.isUser && root.streaming && root.content === "" && root.reasoning === ""
            spacing: 5
            Layout.topMargin: 6
            Layout.bottomMargin: 6
            Repeater {
                model: 3
                Rectangle {
                    required property int index
                    width: 7; height: 7; radius: 3.5
                    color: Theme.textMuted
                    SequentialAnimation on opacity {
                        loops: Animation.Infinite
                        PauseAnimation { duration: index * 160 }
                        NumberAnimation { from: 0.25; to: 1; duration: 380 }
                        NumberAnimation { from: 1; to: 0.25; duration: 380 }
                        PauseAnimation { duration: (2 - index) * 160 }
                    }
                }
            }
        }
        // The answer: prose as Markdown, code blocks framed with a Copy button. The
        // repeater counts blocks, so a growing answer updates blocks in place.
        Repeater {
            model: root.isUser ? 0 : root.blocks.length
            delegate: Loader {
                required property int index
                readonly property var block: root.blocks[index] || ({kind: "prose", text: "", language: ""})
                Layout.fillWidth: true
                sourceComponent: block.kind === "code" ? codeBlock : prose
                Component {
                    id: prose
                    TextEdit {
                        // Citations [n] of the sources below become links to them.
                        text: sourcesList.sources.length > 0 ? App.knowledgeChat.linkCitations(block.text, sourcesList.sources.length) : block.text
                        textFormat: TextEdit.MarkdownText
                        wrapMode: TextEdit.Wrap
                        readOnly: true
                        selectByMouse: true
                        color: Theme.text
                        selectionColor: Theme.selection
                        font.pixelSize: Theme.fontSize
                        onLinkActivated: (link) => link.startsWith("source:") ? sourcesList.show(parseInt(link.substring(7)))
                                                                              : Qt.openUrlExternally(link)
                        HoverHandler {
                            cursorShape: parent.hoveredLink !== "" ? Qt.PointingHandCursor : Qt.IBeamCursor
                        }
                    }
                }
                Component {
                    id: codeBlock
                    CodeBlock {
                        code: block.text
                        language: block.language
                    }
                }
            }
        }
        // Stop for an answer read aloud while it streams (its action row comes at the end).
        ReadAloudButton {
            visible: root.streaming && !root.isUser && App.speech.speakingMessage === root.messageId
            messageId: root.messageId
            answerText: root.content
        }
        MessageSources {
            id: sourcesList
            visible: !root.isUser && sources.length > 0
            Layout.fillWidth: true
            messageId: root.messageId
            answerText: root.content
            streaming: root.streaming
        }
        // Status of an answer that did not finish normally.
        RowLayout {
            visible: !root.isUser && (root.status === "interrupted" || root.status === "cancelled" || root.status === "error")
            Layout.fillWidth: true
            Layout.topMargin: 2
            spacing: 8
            Icon {
                glyph: root.status === "error" ? "warning" : root.status === "interrupted" ? "warning" : "stop"
                size: 15
                color: root.status === "error" ? Theme.danger : Theme.warning
            }
            Text {
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                font.pixelSize: Theme.fontSmall + 1
                color: root.status === "error" ? Theme.danger : Theme.textMuted
                text: root.status === "interrupted" ? qsTr("Interrupted: Vole closed before this answer was finished.")
                    : root.status === "cancelled" ? qsTr("Stopped.")
                    : qsTr("Failed: %1").arg(root.errorText)
            }
            VButton {
                visible: root.status !== "error" && root.isLast
                text: qsTr("Continue")
                iconName: "continue"
                enabled: App.chat.canSend
                implicitHeight: 28
                onClicked: App.chat.continueAnswer(root.messageId)
            }
            VButton {
                visible: root.status === "error"
                text: qsTr("Retry")
                iconName: "regenerate"
                enabled: App.chat.canSend
                implicitHeight: 28
                onClicked: App.chat.regenerate(root.messageId)
            }
        }
        // Actions and stats.
        RowLayout {
            visible: !root.isUser && !root.streaming
            Layout.fillWidth: true
            spacing: 2
            opacity: hover.hovered || root.isLast ? 1 : 0
            Behavior on opacity { NumberAnimation { duration: 120 } }
            IconButton {
                iconName: "copy"
                tip: qsTr("Copy")
                onClicked: App.chat.copyToClipboard(root.content)
            }
            ReadAloudButton { messageId: root.messageId; answerText: root.content }
            IconButton {
                iconName: "regenerate"
                tip: qsTr("Regenerate (the current answer stays as a branch)")
                enabled: App.chat.canSend
                onClicked: App.chat.regenerate(root.messageId)
            }
            BranchSwitcher {
                visible: root.siblingCount > 1
                messageId: root.messageId
                siblingIndex: root.siblingIndex
                siblingCount: root.siblingCount
            }
            Text {
                Layout.leftMargin: 8
                Layout.fillWidth: true
                text: root.statsText
                elide: Text.ElideRight
                color: Theme.textFaint
                font.pixelSize: Theme.fontSmall
                HoverHandler { id: statsHover }
                ToolTip.visible: statsHover.hovered && root.statsDetail !== ""
                ToolTip.text: root.statsDetail
            }
        }
    }
}
