import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style
import "components"

// The window: navigation rail, the current page, global shortcuts, notices.
ApplicationWindow {
    id: window
    width: 1180
    height: 760
    minimumWidth: 760
    minimumHeight: 520
    visible: true
    title: App.chat.conversationId !== 0 ? App.chat.title + " — Vole" : "Vole"
    color: Theme.window

    palette.window: Theme.window
    palette.windowText: Theme.text
    palette.base: Theme.surface
    palette.alternateBase: Theme.surfaceAlt
    palette.text: Theme.text
    palette.button: Theme.surface
    palette.buttonText: Theme.text
    palette.brightText: Theme.text
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.accentInk
    palette.placeholderText: Theme.placeholder
    palette.mid: Theme.border
    palette.midlight: Theme.hover
    palette.light: Theme.surfaceAlt
    palette.dark: Theme.accent  // Basic style: slider and progress fills, switch tracks
    palette.shadow: Theme.border
    palette.link: Theme.link
    palette.toolTipBase: Theme.surfaceAlt
    palette.toolTipText: Theme.text
    font.pixelSize: Theme.fontSize

    RowLayout {
        anchors.fill: parent
        spacing: 0

        NavigationRail { Layout.fillHeight: true }
        Rectangle { Layout.fillHeight: true; width: 1; color: Theme.border }

        StackLayout {
            id: pages
            Layout.fillWidth: true
            Layout.fillHeight: true
            currentIndex: App.pages.indexOf(App.currentPage)
            // One Loader per registered page, created the first time it is shown.
            Repeater {
                model: App.pages
                delegate: Loader {
                    required property var model
                    required property int index
                    readonly property bool current: pages.currentIndex === index
                    active: false
                    onCurrentChanged: if (current) active = true
                    Component.onCompleted: if (current) active = true
                    source: model.source
                }
            }
        }
    }

    // A database that could not be opened covers everything until the user chooses.
    StoreErrorView {
        anchors.fill: parent
        visible: !App.store.ready
    }

    Snackbar { id: snackbar }

    Repeater {
        model: App.pages
        delegate: Item {
            required property var model
            Shortcut {
                sequence: model.shortcut
                enabled: model.shortcut !== ""
                context: Qt.ApplicationShortcut
                onActivated: App.showPage(model.pageId)
            }
        }
    }
    Shortcut {
        sequence: StandardKey.New
        context: Qt.ApplicationShortcut
        onActivated: {
            App.showPage("chat")
            App.chat.newConversation()
            App.requestFocus("composer")
        }
    }
    Shortcut {
        sequence: StandardKey.Find
        context: Qt.ApplicationShortcut
        onActivated: {
            App.showPage("chat")
            App.requestFocus("search")
        }
    }
    Shortcut {
        sequence: "Esc"
        enabled: App.chat.generating || App.conversation.state !== "off"
        context: Qt.ApplicationShortcut
        // In a voice conversation Esc steps back: speaking or thinking → listening → ended.
        onActivated: App.conversation.state !== "off" ? App.conversation.escape() : App.chat.stop()
    }
    Shortcut {
        sequence: StandardKey.Quit
        context: Qt.ApplicationShortcut
        onActivated: Qt.quit()
    }

    // Notices, and Undo for a deleted conversation, offered for as long as the
    // conversation list keeps the deletion undoable (it decides; see remove()).
    Connections {
        target: App
        function onNotice(message) { snackbar.show(message) }
    }
    Connections {
        target: App.conversations
        function onErrorOccurred(message) { snackbar.show(message) }
        function onRemoved(id, title) {
            snackbar.show(qsTr("Deleted “%1”").arg(title), qsTr("Undo"),
                          function() { App.conversations.undoRemove(id) }, "undo-delete-" + id)
        }
        function onUndoClosed(id) { snackbar.dismiss("undo-delete-" + id) }
    }
    Connections {
        target: App.chat
        function onErrorOccurred(message) { snackbar.show(message) }
    }
    Connections {
        target: App.modelManager
        function onModelDownloaded(path, name) {
            if (App.currentPage === "models") return  // the download's own card offers Use
            snackbar.show(qsTr("%1 is downloaded").arg(name), qsTr("Use it"), function() { App.selectModel(path) })
        }
    }
}
