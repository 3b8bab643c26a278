import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// A model's reasoning, kept apart from the answer: "Thinking…" while it thinks, then
// "Thought for N s", collapsed; click to read it.
ColumnLayout {
    id: root
    property string reasoning
    property bool thinking: false
    property real seconds: -1
    property bool expanded: false
    spacing: 4

    AbstractButton {
        id: toggle
        focusPolicy: Qt.NoFocus
        onClicked: root.expanded = !root.expanded
        implicitHeight: 28
        implicitWidth: toggleRow.implicitWidth + 16
        background: Rectangle {
            radius: 14
            color: toggle.hovered ? Theme.hover : Theme.surfaceAlt
        }
        contentItem: RowLayout {
            id: toggleRow
            spacing: 6
            Icon { glyph: "thinking"; size: 14; color: Theme.textMuted; Layout.leftMargin: 8 }
            Text {
                text: root.thinking ? qsTr("Thinking…")
                    : root.seconds >= 0 ? qsTr("Thought for %1 s").arg(root.seconds < 10 ? root.seconds.toFixed(1) : Math.round(root.seconds))
                    : qsTr("Thoughts")
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall + 0.5
            }
            Icon {
                glyph: root.expanded ? "chevron-down" : "chevron-right"
                size: 13
                color: Theme.textMuted
                Layout.rightMargin: 8
            }
        }
    }
    Rectangle {
        visible: root.expanded
        Layout.fillWidth: true
        implicitHeight: thoughts.implicitHeight + 12
        color: "transparent"
        Rectangle { width: 2; height: parent.height; color: Theme.border; radius: 1 }
        TextEdit {
            id: thoughts
            x: 14
            y: 6
            width: parent.width - 14
            text: root.reasoning.trim()
            textFormat: TextEdit.PlainText
            wrapMode: TextEdit.Wrap
            readOnly: true
            selectByMouse: true
            color: Theme.textMuted
            selectionColor: Theme.selection
            font.pixelSize: Theme.fontSize - 1
        }
    }
}
