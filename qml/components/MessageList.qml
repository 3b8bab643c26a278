import QtQuick
import QtQuick.Controls
import Vole
import Vole.Style

// The messages of the active path. Follows a streaming answer while the view is at the
// bottom; scrolling up stops following until the user returns to the bottom.
ListView {
    id: list
    property real columnWidth: 700
    property bool follow: true
    property int flashRow: -1

    model: App.chat.messages
    clip: true
    spacing: 6
    boundsBehavior: Flickable.StopAtBounds
    topMargin: 16
    bottomMargin: 16
    ScrollBar.vertical: ScrollBar { policy: ScrollBar.AsNeeded }
    reuseItems: false
    cacheBuffer: 2000

    delegate: MessageDelegate {
        width: list.width
        columnWidth: list.columnWidth
        flash: index === list.flashRow
    }

    onMovementEnded: follow = atYEnd
    onContentHeightChanged: if (follow) Qt.callLater(positionViewAtEnd)
    onCountChanged: {
        follow = true
        Qt.callLater(positionViewAtEnd)
    }

    Connections {
        target: App.chat
        function onConversationChanged() {
            list.follow = true
            list.flashRow = -1
            Qt.callLater(list.positionViewAtEnd)
        }
        function onFocusRequested(row) {
            list.follow = false
            list.flashRow = row
            Qt.callLater(function() { list.positionViewAtIndex(row, ListView.Center) })
            flashTimer.restart()
        }
    }
    Timer {
        id: flashTimer
        interval: 2500
        onTriggered: list.flashRow = -1
    }
}
