import QtQuick
import Vole
import Vole.Style

// A small rounded label: a model's format, licence, "Recommended", "In use".
Rectangle {
    id: root
    property alias text: label.text
    property color ink: Theme.textMuted
    property color fill: Theme.surfaceAlt
    implicitWidth: label.implicitWidth + 16
    implicitHeight: label.implicitHeight + 6
    radius: height / 2
    color: fill
    border.color: Qt.darker(fill, Theme.dark ? 0.85 : 1.06)
    Text {
        id: label
        anchors.centerIn: parent
        color: root.ink
        font.pixelSize: Theme.fontSmall
        font.weight: Font.Medium
    }
}
