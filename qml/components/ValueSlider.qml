import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// A slider with its value printed next to it. `moved(value)` fires on user changes only.
RowLayout {
    id: root
    property real from: 0
    property real to: 1
    property real stepSize: 0.05
    property real value: 0
    property int decimals: 2
    signal moved(real value)
    Layout.fillWidth: true
    spacing: 8
    Slider {
        id: slider
        Layout.fillWidth: true
        from: root.from
        to: root.to
        stepSize: root.stepSize
        value: root.value
        onMoved: root.moved(value)
    }
    Text {
        Layout.preferredWidth: 44
        horizontalAlignment: Text.AlignRight
        text: root.value.toFixed(root.decimals)
        color: Theme.text
    }
}
