import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Above the conversation: its title, the model picker, the device in use, chat settings.
Rectangle {
    id: root
    property alias modelPicker: picker
    implicitHeight: 56
    color: Theme.window

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 20
        anchors.rightMargin: 12
        spacing: 10

        Text {
            text: App.chat.title
            font.pixelSize: Theme.fontLarge
            font.weight: Font.DemiBold
            color: Theme.text
            elide: Text.ElideRight
            Layout.fillWidth: true
            Layout.minimumWidth: 60
        }
        // The pickers give up width (eliding) before the row overflows a narrow window.
        KnowledgePicker {
            Layout.fillWidth: true
            Layout.minimumWidth: 110
            Layout.maximumWidth: implicitWidth
        }
        DocumentPicker {
            Layout.fillWidth: true
            Layout.minimumWidth: 110
            Layout.maximumWidth: implicitWidth
        }
        ModelPicker { id: picker }
        // The device doing the work, always visible: a CPU driver is flagged in colour.
        Rectangle {
            visible: App.engine.state === EngineState.Ready
            implicitHeight: 26
            implicitWidth: deviceRow.implicitWidth + 16
            radius: 13
            color: App.engine.deviceIsCpu ? Theme.warningSoft : Theme.accentSoft
            RowLayout {
                id: deviceRow
                anchors.centerIn: parent
                spacing: 5
                Icon {
                    glyph: App.engine.deviceIsCpu ? "warning" : "chip"
                    size: 14
                    color: App.engine.deviceIsCpu ? Theme.warning : Theme.accent
                }
                Text {
                    text: App.engine.deviceName
                    font.pixelSize: Theme.fontSmall
                    color: Theme.text
                    elide: Text.ElideRight
                    Layout.maximumWidth: 200
                }
            }
            HoverHandler { id: deviceHover }
            ToolTip.visible: deviceHover.hovered
            ToolTip.text: qsTr("%1 (%2) · %3 of device memory · model uses %4 · loaded in %5 s")
                          .arg(App.engine.deviceName).arg(App.engine.deviceType)
                          .arg(App.formatBytes(App.engine.deviceMemory)).arg(App.formatBytes(App.engine.weightBytes))
                          .arg(App.engine.loadSeconds.toFixed(1))
        }
        IconButton {
            iconName: "sliders"
            tip: qsTr("Chat settings: system prompt, sampling")
            active: App.chat.hasSystemPromptOverride || App.chat.hasSamplingOverride
            onClicked: chatSettings.open()
        }
    }
    Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border }

    ConversationSettingsDialog { id: chatSettings }
}
