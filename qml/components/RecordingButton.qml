import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Play / Stop for the dictation a user message was made from (kept with "Keep
// recordings"), with its length. It plays through App.speech, so the output device,
// volume and Stop are the read-aloud ones, and one thing plays at a time. Reports its
// position to the window tests (--log) as item "recording-<message id>".
RowLayout {
    id: root
    property var messageId
    property url source
    property real seconds: 0
    readonly property bool playingThis: App.speech.speaking && App.speech.speakingMessage === messageId
    spacing: 0

    IconButton {
        id: button
        iconName: root.playingThis ? "stop" : "play"
        active: root.playingThis
        tip: root.playingThis ? qsTr("Stop the recording") : qsTr("Play the recording this message was dictated from")
        onClicked: App.speech.playRecording(root.messageId, root.source)
        TestProbe { target: button; name: "recording-" + root.messageId }
    }
    Label {
        readonly property int total: Math.round(root.seconds)
        text: Math.floor(total / 60) + ":" + String(total % 60).padStart(2, "0")
        color: Theme.textMuted
        font.pixelSize: Theme.fontSmall
    }
}
