import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// "Add a Hugging Face repo by id": owner/name or a pasted model page URL, with or without
// the vision tower. The model manager validates it and says why when it cannot start.
Rectangle {
    id: root
    property string problem: ""

    function focusField() { repoField.forceActiveFocus() }
    function submit() {
        problem = App.modelManager.download(repoField.text, visionBox.checked)
        if (problem === "") repoField.text = ""
        else App.logEvent("repo-rejected", { "message": problem })
    }

    implicitHeight: column.implicitHeight + 32
    radius: Theme.radius
    color: Theme.surface
    border.color: Theme.border

    ColumnLayout {
        id: column
        x: 16
        y: 16
        width: parent.width - 32
        spacing: 10

        Text {
            text: qsTr("Add a model from Hugging Face")
            font.weight: Font.DemiBold
            color: Theme.text
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 10
            TextField {
                id: repoField
                Layout.fillWidth: true
                implicitHeight: 36
                placeholderText: qsTr("owner/name or the model page's URL, e.g. Qwen/Qwen3-0.6B")
                color: Theme.text
                selectByMouse: true
                onAccepted: root.submit()
                onTextEdited: root.problem = ""
                background: Rectangle {
                    radius: Theme.radiusSmall
                    color: Theme.surfaceAlt
                    border.color: root.problem !== "" ? Theme.danger : repoField.activeFocus ? Theme.accent : Theme.border
                }
            }
            CheckBox {
                id: visionBox
                text: qsTr("With vision")
                ToolTip.visible: hovered
                ToolTip.delay: 500
                ToolTip.text: qsTr("Also download the vision tower (for models that read images)")
            }
            VButton {
                primary: true
                text: qsTr("Download")
                iconName: "download"
                enabled: repoField.text.trim() !== ""
                onClicked: root.submit()
            }
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 6
            Icon {
                glyph: root.problem !== "" ? "warning" : "lock"
                size: 14
                color: root.problem !== "" ? Theme.danger : Theme.textFaint
                Layout.alignment: Qt.AlignTop
                Layout.topMargin: 2
            }
            Text {
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                font.pixelSize: Theme.fontSmall
                color: root.problem !== "" ? Theme.danger : Theme.textMuted
                text: root.problem !== "" ? root.problem
                      : qsTr("Vole connects to %1 only while a download runs, and fetches only the tensors the features you pick need.").arg(App.modelManager.hubUrl)
            }
        }
    }
}
