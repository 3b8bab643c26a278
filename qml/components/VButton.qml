import QtQuick
import QtQuick.Controls
import Vole
import Vole.Style

// A text button in Vole's style: `primary` (filled accent), `danger`, or quiet (outlined).
Button {
    id: control
    property bool primary: false
    property bool danger: false
    property string iconName: ""

    readonly property color fill: primary ? (hovered ? Theme.accentHover : Theme.accent)
                                          : (hovered ? Theme.hover : Theme.surface)
    readonly property color ink: primary ? Theme.accentInk : (danger ? Theme.danger : Theme.text)

    implicitHeight: 34
    leftPadding: 14
    rightPadding: 14
    font.pixelSize: Theme.fontSize
    opacity: enabled ? 1 : 0.5
    contentItem: Row {
        spacing: 6
        Icon {
            visible: control.iconName !== ""
            glyph: control.iconName
            size: 16
            color: control.ink
            anchors.verticalCenter: parent.verticalCenter
        }
        Text {
            text: control.text
            font: control.font
            color: control.ink
            anchors.verticalCenter: parent.verticalCenter
        }
    }
    background: Rectangle {
        radius: Theme.radiusSmall
        color: control.fill
        border.width: control.primary ? 0 : 1
        border.color: control.danger ? Theme.danger : Theme.border
    }
}
