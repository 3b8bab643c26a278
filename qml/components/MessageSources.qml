import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// The sources an answer was given from a knowledge collection, under the answer: [n], the
// file with its page or lines, a snippet; the ones the answer cites come first in colour.
// Clicking an entry shows the passage; Open shows the file in the desktop's viewer.
ColumnLayout {
    id: root
    property var messageId
    property string answerText
    property bool streaming: false
    property var sources: []
    property int shown: -1  // the source number whose passage is open

    function reload() { sources = App.knowledgeChat.sources(messageId, answerText) }
    // A citation [n] in the answer was clicked: open that source's passage.
    function show(number) {
        shown = number
        App.logEvent("source-shown", { "message": messageId, "number": number })
    }
    Component.onCompleted: reload()
    onMessageIdChanged: reload()
    onStreamingChanged: if (!streaming) reload()  // cited flags once the answer is whole
    Connections {
        target: App.knowledgeChat
        function onSourcesChanged(message) { if (message === root.messageId) root.reload() }
    }

    visible: sources.length > 0
    spacing: 4
    Text {
        text: root.sources.some(function(s) { return s.collection === "memory" })
              ? qsTr("Sources (including what Vole recalled from earlier chats)") : qsTr("Sources")
        color: Theme.textMuted
        font.pixelSize: Theme.fontSmall
        font.weight: Font.DemiBold
        Layout.topMargin: 4
    }
    Repeater {
        model: root.sources
        delegate: Rectangle {
            id: entry
            required property var modelData
            readonly property bool open: root.shown === modelData.number
            objectName: "source-" + modelData.number
            Layout.fillWidth: true
            implicitHeight: entryColumn.implicitHeight + 12
            radius: Theme.radiusSmall
            color: entryHover.hovered ? Theme.hover : Theme.surfaceAlt
            opacity: modelData.cited || root.streaming ? 1 : 0.7
            HoverHandler { id: entryHover }
            TapHandler { onTapped: root.shown = entry.open ? -1 : entry.modelData.number }
            ColumnLayout {
                id: entryColumn
                x: 8
                y: 6
                width: parent.width - 16
                spacing: 2
                RowLayout {
                    Layout.fillWidth: true
                    spacing: 6
                    Text {
                        text: "[" + entry.modelData.number + "]"
                        color: entry.modelData.cited ? Theme.accent : Theme.textMuted
                        font.weight: Font.DemiBold
                        font.pixelSize: Theme.fontSmall
                    }
                    Text {
                        Layout.fillWidth: true
                        text: entry.modelData.label + (entry.modelData.cited || root.streaming ? "" : qsTr("  (not cited)"))
                        color: Theme.text
                        font.pixelSize: Theme.fontSmall
                        elide: Text.ElideMiddle
                    }
                    IconButton {
                        visible: entry.modelData.path !== ""  // recalled messages have no file
                        iconName: "export"
                        iconSize: 14
                        tip: qsTr("Open the file")
                        onClicked: {
                            var problem = App.knowledgeChat.openSource(entry.modelData.path)
                            if (problem !== "") { App.notify(problem); root.shown = entry.modelData.number }
                        }
                    }
                }
                Text {
                    Layout.fillWidth: true
                    visible: !entry.open
                    text: entry.modelData.snippet
                    color: Theme.textMuted
                    font.pixelSize: Theme.fontSmall
                    elide: Text.ElideRight
                }
                TextEdit {
                    Layout.fillWidth: true
                    visible: entry.open
                    text: entry.modelData.passage
                    readOnly: true
                    selectByMouse: true
                    wrapMode: TextEdit.Wrap
                    color: Theme.text
                    selectionColor: Theme.selection
                    font.pixelSize: Theme.fontSmall
                }
            }
        }
    }
}
