import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// The composer's microphone (App.voice). Hold the button to talk (push-to-talk: listening
// ends on release); tap it to talk hands-free (listening ends at a pause in speech; tap
// again to end it sooner). Ctrl+D is a tap. While listening: the input level, the time
// and the partial transcript, written into `target` (the composer's text area) after the
// text that was already there; the final transcript replaces the partial one and stays
// editable. Without a speech model the first press offers its download.
RowLayout {
    id: root
    property Item target
    signal sendRequested()
    property string base: ""  // the composer's text when listening began
    readonly property var voice: App.voice
    readonly property bool listening: voice.state === "listening"
    readonly property bool transcribing: voice.state === "transcribing"
    spacing: 6

    function compose(text) {
        target.text = base === "" ? text : text === "" ? base : base + " " + text
        target.cursorPosition = target.length
    }
    function begin(handsFree) {
        base = target.text.replace(/\s+$/, "")
        var problem = voice.start(handsFree)
        if (problem === "no-speech-model") {
            offer.open()
            return false
        }
        if (problem !== "") return false  // shown through voice.error
        App.logEvent("voice-start", { "handsFree": handsFree })
        return true
    }
    function toggle() {
        if (listening) voice.stop()
        else if (!transcribing) begin(true)
    }
    function clock(seconds) {
        var s = Math.floor(seconds)
        return Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60)
    }

    Connections {
        target: root.voice
        function onPartialTextChanged() {
            if (App.conversation.state !== "off") return  // a conversation's turn is not dictation
            if (root.listening || root.transcribing) root.compose(root.voice.partialText)
        }
        function onTranscriptReady(text, autoSend) {
            root.compose(text)
            // This dictation's kept WAV (none: "") goes with the message the text is sent in.
            App.chat.keepRecordingWithNextMessage(root.voice.lastRecording, root.voice.elapsed)
            App.logEvent("voice-transcript", { "text": text, "composer": root.target.text, "recording": root.voice.lastRecording })
            root.target.forceActiveFocus()
            if (autoSend) root.sendRequested()
        }
        function onErrorChanged() {
            if (root.voice.error !== "") App.notify(root.voice.error)
        }
    }

    Shortcut {
        sequence: "Ctrl+D"
        context: Qt.WindowShortcut
        enabled: App.currentPage === "chat"
        onActivated: root.toggle()
    }

    // Level, time and what is happening, while listening or transcribing.
    RowLayout {
        visible: root.listening || root.transcribing
        spacing: 6
        Rectangle {
            implicitWidth: 8
            implicitHeight: 8
            radius: 4
            color: root.listening ? Theme.danger : Theme.textFaint
        }
        Rectangle {
            objectName: "micLevel"
            implicitWidth: 48
            implicitHeight: 6
            radius: 3
            color: Theme.surfaceAlt
            border.color: Theme.border
            Rectangle {
                width: parent.width * root.voice.level
                height: parent.height
                radius: 3
                color: Theme.accent
            }
        }
        Text {
            text: root.transcribing ? qsTr("Transcribing…")
                : root.clock(root.voice.elapsed) + (root.voice.handsFree ? qsTr(" · hands-free: a pause ends it")
                                                                          : qsTr(" · release to stop"))
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall - 1
        }
    }

    RoundButton {
        id: mic
        property double pressedAt: 0
        property bool startedHere: false
        implicitWidth: 34
        implicitHeight: 34
        focusPolicy: Qt.NoFocus
        enabled: !root.transcribing
        Accessible.name: root.listening ? qsTr("Stop listening") : qsTr("Speak")
        ToolTip.visible: hovered && !pressed
        ToolTip.delay: 500
        ToolTip.text: root.listening ? qsTr("Stop listening (Ctrl+D)")
                                     : qsTr("Hold to talk, or tap to talk hands-free (Ctrl+D)")
        icon.source: "qrc:/qml/icons/mic.svg"
        icon.width: 18
        icon.height: 18
        icon.color: root.listening ? Theme.accentInk : Theme.textMuted
        onPressed: {
            startedHere = false
            if (root.listening) return  // a press while listening ends it (on release)
            pressedAt = Date.now()
            startedHere = root.begin(false)
        }
        onReleased: {
            if (!startedHere) {
                if (root.listening) root.voice.stop()
                return
            }
            startedHere = false
            if (Date.now() - pressedAt < 400) root.voice.keepListening()  // a tap: hands-free
            else root.voice.stop()                                       // held: push-to-talk ends
        }
        background: Rectangle {
            radius: 17
            color: root.listening ? Theme.danger : mic.hovered ? Theme.hover : "transparent"
            border.color: root.listening ? Theme.danger : Theme.border
        }
        TestProbe { target: mic; name: "mic-button" }
    }

    ConfirmDialog {
        id: offer
        title: qsTr("Download a speech model?")
        message: qsTr("Speaking to Vole needs a speech-to-text model. %1 (about %2) runs on this computer; nothing you say leaves it.")
                     .arg(root.voice.speechModelName).arg(root.voice.speechModelSize)
        confirmText: qsTr("Download")
        destructive: false
        confirmIcon: "download"
        onConfirmed: {
            var problem = root.voice.downloadSpeechModel()
            App.notify(problem !== "" ? problem : qsTr("Downloading %1: see the Models page").arg(root.voice.speechModelName))
        }
    }
}
