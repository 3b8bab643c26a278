import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Voice input settings (App.voice): which microphone, a test meter for it, hands-free
// auto-send, keeping recordings, and the speech model in use.
ColumnLayout {
    id: root
    readonly property var voice: App.voice
    spacing: 14

    Component.onCompleted: voice.refreshDevices()
    Component.onDestruction: voice.stopTest()

    SettingRow {
        label: qsTr("Microphone")
        help: root.voice.devices.length === 0 ? qsTr("No microphone found.") : qsTr("Used by the microphone button in the composer.")
        ComboBox {
            id: micBox
            Layout.fillWidth: true
            model: [{ label: qsTr("System default"), id: "" }].concat(root.voice.devices.map(function(d) {
                return { label: d.name + (d.isDefault ? qsTr(" (default)") : ""), id: d.id }
            }))
            textRole: "label"
            valueRole: "id"
            currentIndex: Math.max(0, indexOfValue(root.voice.microphone))
            onActivated: root.voice.microphone = currentValue
        }
    }
    SettingRow {
        label: qsTr("Test")
        help: root.voice.testing ? qsTr("Speak: the bar follows your voice. Nothing is recorded.")
                                 : qsTr("Check that Vole hears the microphone.")
        RowLayout {
            Layout.fillWidth: true
            spacing: 10
            VButton {
                id: testButton
                text: root.voice.testing ? qsTr("Stop") : qsTr("Test")
                onClicked: {
                    if (root.voice.testing) root.voice.stopTest()
                    else root.voice.startTest()
                }
            }
            Rectangle {
                objectName: "micTestMeter"
                Layout.fillWidth: true
                implicitHeight: 8
                radius: 4
                color: Theme.surfaceAlt
                border.color: Theme.border
                Rectangle {
                    width: parent.width * root.voice.level
                    height: parent.height
                    radius: 4
                    color: root.voice.level > 0.9 ? Theme.danger : Theme.accent
                }
            }
        }
    }
    Text {
        visible: root.voice.error !== "" && !root.voice.testing && root.voice.state === "idle"
        Layout.fillWidth: true
        text: root.voice.error
        color: Theme.danger
        wrapMode: Text.Wrap
        font.pixelSize: Theme.fontSmall
    }
    SettingRow {
        label: qsTr("Send after hands-free dictation")
        help: qsTr("When you tap the microphone and stop speaking, the message is sent without pressing Enter.")
        Switch {
            checked: root.voice.autoSend
            onToggled: root.voice.autoSend = checked
        }
    }
    SettingRow {
        label: qsTr("Keep recordings")
        help: qsTr("Off: audio is transcribed in memory and never stored. On: each recording is saved as a WAV file in Vole's data folder (recordings/).")
        Switch {
            checked: root.voice.keepRecordings
            onToggled: root.voice.keepRecordings = checked
        }
    }
    SettingRow {
        label: qsTr("Speech model")
        help: root.voice.hasSpeechModel ? qsTr("Installed. Other languages and sizes are on the Models page (Speech to text).")
                                        : qsTr("None installed: %1 (about %2) is offered the first time you press the microphone.")
                                              .arg(root.voice.speechModelName).arg(root.voice.speechModelSize)
        VButton {
            visible: !root.voice.hasSpeechModel
            text: qsTr("Download")
            iconName: "download"
            onClicked: App.notify(root.voice.downloadSpeechModel() || qsTr("Downloading %1: see the Models page").arg(root.voice.speechModelName))
        }
    }
}
