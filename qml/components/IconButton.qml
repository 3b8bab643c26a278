import QtQuick
import QtQuick.Controls
import Vole
import Vole.Style

// A small borderless button showing one icon, with a tooltip.
ToolButton {
    id: control
    property string iconName
    property string tip
    property color iconColor: Theme.textMuted
    property int iconSize: 18
    property bool active: false  // drawn as toggled on

    implicitWidth: 32
    implicitHeight: 32
    padding: 0
    display: AbstractButton.IconOnly
    focusPolicy: Qt.NoFocus
    icon.source: "qrc:/qml/icons/" + iconName + ".svg"
    icon.width: iconSize
    icon.height: iconSize
    icon.color: !enabled ? Theme.textFaint : (active ? Theme.accent : (hovered ? Theme.text : iconColor))
    background: Rectangle {
        radius: Theme.radiusSmall
        color: control.down ? Theme.selected : (control.hovered || control.active) ? Theme.hover : "transparent"
    }
    ToolTip.visible: hovered && tip !== ""
    ToolTip.text: tip
    ToolTip.delay: 500
    Accessible.name: tip
}
