import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Chips above the catalog: every model, or one kind (chat, speech to text, text to
// speech, embedding). Emits picked("") for all, or the catalog's kind name.
Flow {
    id: root
    property string current: ""
    signal picked(string kind)
    spacing: 6

    Repeater {
        model: [
            { kind: "", label: qsTr("All") },
            { kind: "chat", label: qsTr("Chat") },
            { kind: "speech-to-text", label: qsTr("Speech to text") },
            { kind: "text-to-speech", label: qsTr("Text to speech") },
            { kind: "embedding", label: qsTr("Embedding") }
        ]
        delegate: Rectangle {
            id: chip
            required property var modelData
            readonly property bool selected: root.current === modelData.kind
            implicitWidth: label.implicitWidth + 20
            implicitHeight: label.implicitHeight + 10
            radius: height / 2
            color: selected ? Theme.accentSoft : hover.hovered ? Theme.hover : Theme.surface
            border.color: selected ? Theme.accent : Theme.border
            TestProbe { target: chip; name: "kind-filter-" + (chip.modelData.kind === "" ? "all" : chip.modelData.kind) }
            Text {
                id: label
                anchors.centerIn: parent
                text: chip.modelData.label
                color: chip.selected ? Theme.accent : Theme.text
                font.pixelSize: Theme.fontSmall
            }
            HoverHandler { id: hover; cursorShape: Qt.PointingHandCursor }
            TapHandler { onTapped: root.picked(chip.modelData.kind) }
            Accessible.role: Accessible.RadioButton
            Accessible.name: chip.modelData.label
            Accessible.checked: chip.selected
        }
    }
}
