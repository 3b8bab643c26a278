import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// This chat's own system prompt and sampling, overriding the defaults from Settings.
// Saved in the conversation itself.
Popup {
    id: root
    parent: Overlay.overlay
    anchors.centerIn: parent
    width: Math.min(parent.width - 80, 640)
    height: Math.min(parent.height - 80, implicitHeight)
    modal: true
    padding: 20
    background: Rectangle {
        radius: Theme.radius
        color: Theme.surface
        border.color: Theme.border
    }
    onOpened: {
        promptSwitch.checked = App.chat.hasSystemPromptOverride
        promptEditor.text = App.chat.systemPrompt
        imageDetail.value = App.chat.imageDetail  // this chat's (an edit breaks the binding)
    }

    contentItem: ScrollView {
        clip: true
        contentWidth: availableWidth
        ColumnLayout {
            width: parent.width
            spacing: 14
            RowLayout {
                Layout.fillWidth: true
                Text {
                    text: qsTr("Chat settings")
                    font.pixelSize: Theme.fontLarge + 1
                    font.weight: Font.DemiBold
                    color: Theme.text
                    Layout.fillWidth: true
                }
                IconButton { iconName: "close"; tip: qsTr("Close"); onClicked: root.close() }
            }
            Text {
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                color: Theme.textMuted
                text: qsTr("These apply to this chat only. The defaults for new chats are in Settings.")
            }

            Switch {
                id: promptSwitch
                text: qsTr("Custom system prompt for this chat")
                onToggled: App.chat.setSystemPromptOverride(checked, promptEditor.text)
            }
            TextArea {
                id: promptEditor
                Layout.fillWidth: true
                Layout.preferredHeight: 90
                enabled: promptSwitch.checked
                wrapMode: TextEdit.Wrap
                color: Theme.text
                placeholderText: qsTr("How the assistant should behave in this chat")
                onTextChanged: if (promptSwitch.checked && activeFocus) App.chat.setSystemPromptOverride(true, text)
                background: Rectangle { radius: Theme.radiusSmall; color: Theme.surfaceAlt; border.color: Theme.border }
            }

            Switch {
                text: qsTr("Custom sampling for this chat")
                checked: App.chat.hasSamplingOverride
                onToggled: App.chat.setSamplingOverrideEnabled(checked)
            }
            SamplingForm {
                Layout.fillWidth: true
                enabled: App.chat.hasSamplingOverride
                opacity: enabled ? 1 : 0.5
                values: App.chat.samplingOverride
            }

            // The most LLM tokens one picture may cost in this chat (the composer's count follows it).
            RowLayout {
                Layout.fillWidth: true
                spacing: 10
                Text {
                    text: qsTr("Image detail")
                    color: Theme.text
                }
                SpinBox {
                    id: imageDetail
                    objectName: "imageDetail"
                    from: App.chat.imageDetailMin
                    to: App.chat.imageDetailMax
                    stepSize: 64
                    editable: true
                    value: App.chat.imageDetail
                    onValueModified: {
                        App.chat.imageDetail = value
                        value = App.chat.imageDetail  // held to the model's range
                    }
                }
                Text {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.textMuted
                    text: qsTr("tokens per image at most. Fewer answers sooner; more reads small print better.")
                }
            }
        }
    }
}
