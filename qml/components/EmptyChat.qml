import QtQuick
import QtQuick.Layouts
import Vole
import Vole.Style

// A new chat before its first message.
Item {
    ColumnLayout {
        anchors.centerIn: parent
        width: Math.min(parent.width - 48, 460)
        spacing: 10
        Image {
            Layout.alignment: Qt.AlignHCenter
            source: "qrc:/icons/vole.svg"
            sourceSize: Qt.size(64, 64)
            opacity: 0.9
        }
        Text {
            Layout.alignment: Qt.AlignHCenter
            text: App.engine.state === EngineState.Ready ? qsTr("What can I help with?") : qsTr("Vole")
            font.pixelSize: Theme.fontTitle
            font.weight: Font.DemiBold
            color: Theme.text
        }
        Text {
            Layout.fillWidth: true
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            text: App.engine.state === EngineState.Ready
                  ? qsTr("Chatting with %1 on %2. Everything stays on this computer.").arg(App.engine.modelName).arg(App.engine.deviceName)
                  : App.chat.sendBlocker
            color: Theme.textMuted
        }
    }
}
