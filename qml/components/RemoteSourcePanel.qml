import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// The Models page's Remote source: an OpenAI-compatible server (vLLM, llama.cpp, Ollama,
// LM Studio, a cloud endpoint) by base URL and optional API key; its models (from
// /v1/models) join the model picker, marked as remote.
Rectangle {
    id: root
    implicitHeight: inner.implicitHeight + 40
    radius: Theme.radius
    color: Theme.surface
    border.color: Theme.border

    component Field: TextField {
        id: field
        Layout.fillWidth: true
        color: Theme.text
        selectByMouse: true
        background: Rectangle { radius: Theme.radiusSmall; color: Theme.surfaceAlt; border.color: field.activeFocus ? Theme.accent : Theme.border }
    }

    ColumnLayout {
        id: inner
        x: 20; y: 20
        width: parent.width - 40
        spacing: 10
        Text {
            text: qsTr("Remote server")
            font.pixelSize: Theme.fontLarge
            font.weight: Font.DemiBold
            color: Theme.text
        }
        Text {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            color: Theme.textMuted
            text: qsTr("Chat with bigger models served elsewhere through an OpenAI-compatible API. What you send to them leaves this computer. The key is kept in %1.").arg(App.secretStorage)
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 6
            Field {
                id: urlField
                objectName: "remoteUrl"
                text: App.remoteModels.baseUrl
                placeholderText: "https://example.com/v1"
            }
            Field {
                id: keyField
                objectName: "remoteKey"
                Layout.preferredWidth: 180
                Layout.fillWidth: false
                echoMode: TextInput.Password
                placeholderText: App.remoteModels.hasKey ? qsTr("key saved") : qsTr("API key (optional)")
            }
            VButton {
                objectName: "remoteConnect"
                text: App.remoteModels.fetching ? qsTr("Connecting…") : qsTr("Connect")
                enabled: !App.remoteModels.fetching && urlField.text.trim() !== ""
                onClicked: {
                    App.remoteModels.connectTo(urlField.text, keyField.text)
                    keyField.text = ""
                }
            }
        }
        Text {
            visible: App.remoteModels.error !== ""
            text: App.remoteModels.error
            Layout.fillWidth: true
            color: Theme.danger
            font.pixelSize: Theme.fontSmall
            wrapMode: Text.Wrap
        }
        Repeater {
            model: App.remoteModels.models
            delegate: RowLayout {
                required property string modelData
                readonly property string modelId: App.remoteModels.idFor(modelData)
                Layout.fillWidth: true
                spacing: 8
                Text { text: modelData; color: Theme.text; elide: Text.ElideMiddle; Layout.fillWidth: true }
                Tag { text: qsTr("remote") }
                VButton {
                    text: App.engine.modelDir === modelId ? qsTr("In use") : qsTr("Use")
                    enabled: App.engine.modelDir !== modelId
                    onClicked: notice.choose(modelId)
                }
            }
        }
        RowLayout {
            visible: App.remoteModels.baseUrl !== ""
            VButton { text: qsTr("Refresh the list"); enabled: !App.remoteModels.fetching; onClicked: App.remoteModels.refresh() }
            VButton { text: qsTr("Forget this server"); onClicked: App.remoteModels.forget() }
        }
    }
    RemoteNotice { id: notice }
}
