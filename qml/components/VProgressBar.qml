import QtQuick
import Vole
import Vole.Style

// A thin progress bar in Vole's style. `value` 0..1; a negative value (size not known yet)
// shows a sweeping segment instead.
Rectangle {
    id: root
    property real value: 0
    property color fill: Theme.accent
    implicitHeight: 6
    radius: height / 2
    color: Theme.hover
    clip: true

    Rectangle {
        visible: root.value >= 0
        width: root.width * Math.max(0, Math.min(1, root.value))
        height: root.height
        radius: root.radius
        color: root.fill
        Behavior on width { NumberAnimation { duration: 180 } }
    }
    Rectangle {
        id: sweep
        visible: root.value < 0
        width: root.width * 0.3
        height: root.height
        radius: root.radius
        color: root.fill
        NumberAnimation on x {
            running: sweep.visible
            from: -sweep.width
            to: root.width
            duration: 1200
            loops: Animation.Infinite
        }
    }
}
