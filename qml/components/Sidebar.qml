import QtCore
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Vole
import Vole.Style

// Conversation list (newest first, pinned on top, date sections) and search across all
// conversations. Conversation actions: rename, pin, export, delete with undo.
Rectangle {
    id: root
    color: Theme.sidebar

    function deleteConversation(id) {
        if (App.chat.conversationId === id) App.chat.newConversation()
        App.conversations.remove(id)  // the window's snackbar offers Undo
    }
    function exportConversation(id, format) {
        exportDialog.conversation = id
        exportDialog.format = format
        var folder = StandardPaths.writableLocation(StandardPaths.DocumentsLocation)
        exportDialog.currentFolder = folder
        exportDialog.selectedFile = folder + "/" + App.chat.suggestedExportName(id, format)
        exportDialog.open()
    }

    Connections {
        target: App
        function onFocusRequested(target) {
            if (target !== "search") return
            searchField.forceActiveFocus()
            searchField.selectAll()
        }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 10
        spacing: 8

        RowLayout {
            Layout.fillWidth: true
            Layout.leftMargin: 6
            Text {
                text: qsTr("Chats")
                font.pixelSize: Theme.fontLarge
                font.weight: Font.DemiBold
                color: Theme.text
                Layout.fillWidth: true
            }
            IconButton {
                iconName: "new-chat"
                tip: qsTr("New chat (Ctrl+N)")
                iconColor: Theme.text
                onClicked: {
                    App.chat.newConversation()
                    App.requestFocus("composer")
                }
            }
        }

        TextField {
            id: searchField
            Layout.fillWidth: true
            placeholderText: qsTr("Search all chats (Ctrl+F)")
            leftPadding: 32
            rightPadding: text ? 30 : 10
            onTextChanged: App.search.query = text
            Keys.onEscapePressed: {
                text = ""
                App.requestFocus("composer")
            }
            color: Theme.text
            background: Rectangle {
                radius: Theme.radiusSmall
                color: Theme.surface
                border.color: searchField.activeFocus ? Theme.accent : Theme.border
            }
            Icon {
                glyph: "search"
                size: 16
                color: Theme.textMuted
                anchors.left: parent.left
                anchors.leftMargin: 10
                anchors.verticalCenter: parent.verticalCenter
            }
            IconButton {
                visible: searchField.text !== ""
                iconName: "close"
                iconSize: 14
                implicitWidth: 24
                implicitHeight: 24
                tip: qsTr("Clear search")
                anchors.right: parent.right
                anchors.rightMargin: 4
                anchors.verticalCenter: parent.verticalCenter
                onClicked: searchField.text = ""
            }
        }
        SearchModeToggle { Layout.fillWidth: true }

        // ---- the conversations ----
        ListView {
            id: conversationList
            visible: !App.search.active
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: App.conversations
            spacing: 1
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar { policy: ScrollBar.AsNeeded }
            section.property: "section"
            section.delegate: Text {
                required property string section
                text: section
                width: ListView.view.width
                topPadding: 12
                bottomPadding: 4
                leftPadding: 8
                font.pixelSize: Theme.fontSmall
                font.weight: Font.DemiBold
                color: Theme.textMuted
            }
            delegate: ConversationDelegate {
                width: ListView.view.width
                onOpenRequested: App.chat.open(conversationId)
                onDeleteRequested: root.deleteConversation(conversationId)
                onExportRequested: (format) => root.exportConversation(conversationId, format)
            }
            Text {
                anchors.centerIn: parent
                visible: conversationList.count === 0
                width: parent.width - 24
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                text: qsTr("Your conversations will appear here. They stay on this computer.")
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall + 1
            }
        }

        // ---- search results ----
        ListView {
            id: results
            visible: App.search.active
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: App.search
            spacing: 2
            ScrollBar.vertical: ScrollBar { policy: ScrollBar.AsNeeded }
            delegate: SearchResultDelegate {
                width: ListView.view.width
                onOpenRequested: App.chat.open(conversationId, messageId)
            }
            Text {
                anchors.centerIn: parent
                visible: results.count === 0
                width: parent.width - 24
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                // A search that failed says why; only a search that ran finds "No matches".
                text: App.search.error !== "" ? App.search.error : qsTr("No matches")
                color: App.search.error !== "" ? Theme.danger : Theme.textMuted
            }
        }
    }

    FileDialog {
        id: exportDialog
        property var conversation: 0
        property string format: "markdown"
        title: format === "json" ? qsTr("Export as JSON") : qsTr("Export as Markdown")
        fileMode: FileDialog.SaveFile
        nameFilters: format === "json" ? [qsTr("JSON files (*.json)")] : [qsTr("Markdown files (*.md)")]
        defaultSuffix: format === "json" ? "json" : "md"
        onAccepted: {
            var error = App.chat.exportConversation(conversation, selectedFile, format)
            App.notify(error === "" ? qsTr("Exported to %1").arg(selectedFile.toString().replace(/^file:\/\//, "")) : error)
        }
    }

    Binding {
        target: App.search
        property: "highlightColor"
        value: Theme.searchHighlight.toString()
    }
}
