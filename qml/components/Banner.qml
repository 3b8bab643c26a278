import QtQuick
import Vole
import Vole.Style

// A notice above the conversation: kind "warning", "danger" or "info", with an optional
// action button and, when `dismissible`, a close button. (Positioned by hand rather than
// with a layout, so wrapped text always gets its full height.)
Rectangle {
    id: root
    property string kind: "info"
    property alias text: label.text
    property string actionText: ""
    property bool dismissible: false
    property bool dismissed: false
    signal action()

    visible: !dismissed
    implicitHeight: Math.max(label.height, action.visible ? action.height : 0, 20) + 18
    radius: Theme.radiusSmall
    color: kind === "danger" ? Theme.dangerSoft : kind === "warning" ? Theme.warningSoft : Theme.infoSoft
    border.width: 1
    border.color: Qt.darker(color, Theme.dark ? 0.8 : 1.08)

    Icon {
        id: icon
        x: 12
        y: 11
        glyph: root.kind === "info" ? "chip" : "warning"
        size: 18
        color: root.kind === "danger" ? Theme.danger : root.kind === "warning" ? Theme.warning : Theme.link
    }
    Text {
        id: label
        x: icon.x + icon.width + 10
        anchors.verticalCenter: parent.verticalCenter
        width: parent.width - x - (action.visible ? action.width + 12 : 0) - (close.visible ? close.width + 4 : 0) - 10
        wrapMode: Text.Wrap
        color: Theme.text
        font.pixelSize: Theme.fontSmall + 1
        textFormat: Text.PlainText
    }
    VButton {
        id: action
        visible: root.actionText !== ""
        text: root.actionText
        implicitHeight: 28
        anchors.verticalCenter: parent.verticalCenter
        anchors.right: close.visible ? close.left : parent.right
        anchors.rightMargin: close.visible ? 4 : 10
        onClicked: root.action()
    }
    IconButton {
        id: close
        visible: root.dismissible
        iconName: "close"
        iconSize: 14
        implicitWidth: 26
        implicitHeight: 26
        tip: qsTr("Dismiss")
        anchors.verticalCenter: parent.verticalCenter
        anchors.right: parent.right
        anchors.rightMargin: 6
        onClicked: root.dismissed = true
    }
}
