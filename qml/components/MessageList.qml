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
    property bool autoScrolling: false
    property real endY: 0  // contentY after the last automatic scroll to the end
    property int flashRow: -1

    function scrollToEnd() {
        autoScrolling = true
        positionViewAtEnd()
        endY = contentY
        autoScrolling = false
    }

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

    // Following stops when the user scrolls up (drag or flick, wheel, scroll bar) and
    // resumes when they come back to the bottom.
    onMovementEnded: follow = atYEnd
    onContentYChanged: {
        if (autoScrolling || moving) return
        if (atYEnd) follow = true
        else if (contentY < endY - 60) follow = false
    }
    onContentHeightChanged: if (follow) Qt.callLater(scrollToEnd)
    onCountChanged: {
        follow = true
        Qt.callLater(scrollToEnd)
    }

    Connections {
        target: App.chat
        function onConversationChanged() {
            list.follow = true
            list.flashRow = -1
            Qt.callLater(list.scrollToEnd)
        }
        function onFocusRequested(row) {
            list.flashRow = row
            Qt.callLater(function() {
                list.autoScrolling = true
                list.positionViewAtIndex(row, ListView.Center)
                list.autoScrolling = false
                list.follow = list.atYEnd
            })
            flashTimer.restart()
        }
    }
    Timer {
        id: flashTimer
        interval: 2500
        onTriggered: list.flashRow = -1
    }
}
