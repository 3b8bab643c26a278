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

    // Requests pages act on (pages find the window as ApplicationWindow.window).
    signal searchRequested()
    signal composerFocusRequested()
    function notify(message, actionText, onAction, onExpire) {
        snackbar.show(message, actionText, onAction, onExpire)
    }

    palette.window: Theme.window
    palette.windowText: Theme.text
    palette.base: Theme.surface
    palette.alternateBase: Theme.surfaceAlt
    palette.text: Theme.text
    palette.button: Theme.surface
    palette.buttonText: Theme.text
    palette.brightText: Theme.text
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.onAccent
    palette.placeholderText: Theme.placeholder
    palette.mid: Theme.border
    palette.midlight: Theme.hover
    palette.light: Theme.surfaceAlt
    palette.dark: Theme.textMuted
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
            window.composerFocusRequested()
        }
    }
    Shortcut {
        sequence: StandardKey.Find
        context: Qt.ApplicationShortcut
        onActivated: {
            App.showPage("chat")
            window.searchRequested()
        }
    }
    Shortcut {
        sequence: "Esc"
        enabled: App.chat.generating
        context: Qt.ApplicationShortcut
        onActivated: App.chat.stop()
    }
    Shortcut {
        sequence: StandardKey.Quit
        context: Qt.ApplicationShortcut
        onActivated: Qt.quit()
    }

    Connections {
        target: App.conversations
        function onErrorOccurred(message) { window.notify(message) }
    }
    Connections {
        target: App.chat
        function onErrorOccurred(message) { window.notify(message) }
    }
}
