import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Vole
import Vole.Style

// Settings › Voice: reading answers aloud (as they stream), the voice, speed, volume and
// the audio output; for the voice conversation, the pause that ends a turn and how
// readily talking over an answer interrupts it. Saved at once, like every setting.
ColumnLayout {
    id: root
    readonly property var voice: App.speech.settings
    spacing: 14

    SettingRow {
        label: qsTr("Read answers aloud")
        help: qsTr("Speaks each new answer while it is being written, starting after its first sentence. Reasoning is never read.")
        Switch {
            id: readSwitch
            checked: root.voice.readAnswers
            onToggled: root.voice.readAnswers = checked
            TestProbe { target: readSwitch; name: "read-answers-switch" }
        }
    }
    SettingRow {
        label: qsTr("Voice")
        help: root.voice.voice === "kani"
              ? qsTr("The neural voice runs on the graphics device beside the chat model and speaks English.")
              : qsTr("espeak-ng voices need no download and speak over 100 languages.")
        ComboBox {
            id: voiceBox
            Layout.fillWidth: true
            model: App.speech.voices
            textRole: "label"
            valueRole: "value"
            currentIndex: Math.max(0, indexOfValue(root.voice.voice))
            onActivated: root.voice.voice = currentValue
        }
    }
    SettingRow {
        label: qsTr("Neural voice model")
        help: App.speech.voiceModels.length > 0 || root.voice.modelFolder !== ""
              ? qsTr("A Kani-TTS model folder (an LFM2 model with its NanoCodec .nemo file).")
              : qsTr("None installed. A Kani-TTS model folder adds a neural English voice.")
        RowLayout {
            Layout.fillWidth: true
            Text {
                Layout.fillWidth: true
                text: root.voice.modelFolder !== "" ? root.voice.modelFolder
                      : App.speech.voiceModels.length > 0 ? App.speech.voiceModels[0] : "—"
                color: Theme.text
                elide: Text.ElideMiddle
            }
            VButton { text: qsTr("Choose…"); onClicked: voiceFolderDialog.open() }
            VButton {
                visible: root.voice.modelFolder !== ""
                text: qsTr("Clear")
                onClicked: root.voice.modelFolder = ""
            }
        }
    }
    SettingRow {
        label: qsTr("Speed")
        help: qsTr("For espeak-ng voices; the neural voice keeps its own pace.")
        ValueSlider {
            from: 0.5; to: 2.0; stepSize: 0.05
            value: root.voice.speed
            onMoved: (v) => root.voice.speed = v
        }
    }
    SettingRow {
        label: qsTr("Volume")
        ValueSlider {
            from: 0; to: 1; stepSize: 0.05
            value: root.voice.volume
            onMoved: (v) => root.voice.volume = v
        }
    }
    SettingRow {
        label: qsTr("Output device")
        help: App.speech.outputs.length <= 1 ? qsTr("No audio output was found.") : ""
        ComboBox {
            Layout.fillWidth: true
            model: App.speech.outputs
            textRole: "label"
            valueRole: "value"
            currentIndex: Math.max(0, indexOfValue(root.voice.outputDevice))
            onActivated: root.voice.outputDevice = currentValue
        }
    }
    SettingRow {
        label: qsTr("Conversation: pause that ends your turn")
        help: qsTr("In a voice conversation, Vole answers once you have been quiet this long (seconds).")
        ValueSlider {
            from: 0.3; to: 3.0; stepSize: 0.1
            value: root.voice.turnPause
            onMoved: (v) => root.voice.turnPause = v
        }
    }
    SettingRow {
        label: qsTr("Conversation: interrupt by speaking")
        help: qsTr("Talking over an answer stops it. Headphones work best: through speakers Vole may hear itself, so a less sensitive setting helps there.")
        ComboBox {
            Layout.fillWidth: true
            model: [qsTr("Off (Esc only)"), qsTr("Less sensitive"), qsTr("Normal"), qsTr("More sensitive")]
            currentIndex: root.voice.interruptSensitivity
            onActivated: root.voice.interruptSensitivity = currentIndex
        }
    }
    Text {
        visible: App.speech.error !== ""
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        color: Theme.danger
        text: App.speech.error
    }

    FolderDialog {
        id: voiceFolderDialog
        title: qsTr("Choose a Kani-TTS model folder")
        onAccepted: {
            var path = selectedFolder.toString().replace(/^file:\/\//, "")
            root.voice.modelFolder = decodeURIComponent(path)
            root.voice.voice = "kani"
        }
    }
}
