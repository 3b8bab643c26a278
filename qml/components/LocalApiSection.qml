import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Settings -> "Serve the local API": other programs on this computer use the loaded model
// through the OpenAI-compatible API (App.localApi). Off by default; the address is shown
// with a Copy button while it runs, and a failure (port in use, no key for another host)
// is said in place.
Rectangle {
    id: root
    Layout.fillWidth: true
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
        spacing: 14
        Text {
            text: qsTr("Local API server")
            font.pixelSize: Theme.fontLarge
            font.weight: Font.DemiBold
            color: Theme.text
        }
        SettingRow {
            label: qsTr("Serve the local API")
            help: qsTr("Lets other programs use the loaded model through the OpenAI-compatible API. Your chats keep working; they take turns with the programs' requests.")
            Switch {
                objectName: "localApiSwitch"
                checked: App.localApi.enabled
                onToggled: App.localApi.enabled = checked
            }
        }
        SettingRow {
            label: qsTr("Address")
            help: App.localApi.running
                  ? qsTr("Serving %1. Use this as the base URL in OpenAI-compatible tools.").arg(App.localApi.servedModel)
                  : qsTr("Only this computer can connect to 127.0.0.1. Another address needs an API key.")
            ColumnLayout {
                Layout.fillWidth: true
                RowLayout {
                    Layout.fillWidth: true
                    Field {
                        id: hostField
                        text: App.localApi.host
                        placeholderText: "127.0.0.1"
                        onEditingFinished: App.localApi.host = text
                    }
                    SpinBox {
                        from: 1; to: 65535
                        editable: true
                        value: App.localApi.port > 0 ? App.localApi.port : 8080
                        textFromValue: function(v) { return String(v) }
                        valueFromText: function(t) { return parseInt(t) || 8080 }
                        onValueModified: App.localApi.port = value
                    }
                }
                RowLayout {
                    visible: App.localApi.running
                    Layout.fillWidth: true
                    TextEdit {
                        objectName: "localApiAddress"
                        Layout.fillWidth: true
                        text: App.localApi.address
                        readOnly: true
                        selectByMouse: true
                        color: Theme.text
                    }
                    IconButton {
                        iconName: "copy"
                        tip: qsTr("Copy the address")
                        onClicked: App.localApi.copyAddress()
                    }
                }
                Text {
                    visible: App.localApi.error !== ""
                    text: App.localApi.error
                    Layout.fillWidth: true
                    color: Theme.danger
                    font.pixelSize: Theme.fontSmall
                    wrapMode: Text.Wrap
                }
            }
        }
        SettingRow {
            label: qsTr("API key")
            help: qsTr("Programs must send it as a Bearer token. Empty: no key (this computer only). Kept in %1.").arg(App.secretStorage)
            RowLayout {
                Layout.fillWidth: true
                Field {
                    text: App.localApi.apiKey
                    echoMode: showKey.checked ? TextInput.Normal : TextInput.Password
                    onEditingFinished: App.localApi.apiKey = text
                }
                IconButton {
                    id: showKey
                    checkable: true
                    iconName: "eye"
                    active: checked
                    tip: checked ? qsTr("Hide the key") : qsTr("Show the key")
                }
            }
        }
    }
}
