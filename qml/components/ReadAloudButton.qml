import QtQuick
import QtQuick.Controls
import Vole
import Vole.Style

// Read aloud / Stop for one answer. Only the answer's text is spoken (never its
// reasoning); while this answer is being read the button stops it. Reports its position
// to the window tests (--log) as item "read-aloud-<message id>".
IconButton {
    id: control
    property var messageId
    property string answerText
    readonly property bool speakingThis: App.speech.speaking && App.speech.speakingMessage === messageId
    iconName: speakingThis ? "stop" : "speaker"
    active: speakingThis
    tip: speakingThis ? qsTr("Stop reading") : qsTr("Read aloud")
    enabled: speakingThis || answerText !== ""
    onClicked: speakingThis ? App.speech.stop() : App.speech.readAloud(messageId, answerText)
    TestProbe { target: control; name: "read-aloud-" + control.messageId }
}
