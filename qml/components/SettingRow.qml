import QtQuick
import QtQuick.Layouts
import Vole
import Vole.Style

// A labelled setting: name and explanation on the left, the control (children) on the right.
RowLayout {
    id: root
    property string label
    property string help
    default property alias control: slot.data
    spacing: 16
    Layout.fillWidth: true

    ColumnLayout {
        Layout.fillWidth: true
        spacing: 2
        Text {
            text: root.label
            color: Theme.text
            font.pixelSize: Theme.fontSize
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        Text {
            visible: root.help !== ""
            text: root.help
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
    }
    ColumnLayout {
        id: slot
        Layout.preferredWidth: 300
        Layout.maximumWidth: 300
        Layout.fillWidth: false
        Layout.fillHeight: false
        Layout.alignment: Qt.AlignTop
    }
}
