import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// A short notice at the bottom of the window with an optional action ("Undo"). It hides
// itself after `timeout`, or, when shown with a `key`, stays until its owner calls
// dismiss(key) (an offer whose deadline the owner keeps, e.g. the undo of a deletion).
// A newer notice replaces it either way.
Popup {
    id: root
    property string message
    property string actionText
    property var actionCallback: null
    property string key
    property int timeout: 6000

    function show(text, action, actionCallback, key) {
        message = text
        actionText = action || ""
        root.actionCallback = actionCallback || null
        root.key = key || ""
        open()
        if (root.key === "")
            timer.restart()
        else
            timer.stop()
    }
    function dismiss(which) {
        if (visible && key === which) finish()
    }
    function finish() {
        timer.stop()
        key = ""
        close()
    }

    x: (parent.width - width) / 2
    y: parent.height - height - 104  // above the composer
    padding: 0
    closePolicy: Popup.NoAutoClose
    modal: false
    focus: false
    background: Rectangle {
        radius: Theme.radius
        color: Theme.dark ? "#e7e9ea" : "#23272b"
    }
    contentItem: RowLayout {
        spacing: 12
        Text {
            Layout.leftMargin: 16
            Layout.topMargin: 12
            Layout.bottomMargin: 12
            Layout.maximumWidth: 420
            text: root.message
            elide: Text.ElideRight
            color: Theme.dark ? "#1d2023" : "#f2f2f2"
            font.pixelSize: Theme.fontSize
        }
        Button {
            visible: root.actionText !== ""
            flat: true
            Layout.rightMargin: 8
            text: root.actionText
            contentItem: Text {
                text: parent.text
                font.bold: true
                font.pixelSize: Theme.fontSize
                color: Theme.dark ? Theme.accentHover : "#7fd6b1"
            }
            background: Item {}
            onClicked: {
                var act = root.actionCallback
                root.finish()
                if (act) act()
            }
        }
        Item { Layout.rightMargin: 4; width: 4 }
    }
    Timer {
        id: timer
        interval: root.timeout
        onTriggered: root.finish()
    }
}
