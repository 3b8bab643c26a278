import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// The open conversation: header, notices, the messages (or the welcome / empty view),
// and the composer.
Rectangle {
    id: root
    color: Theme.window

    readonly property bool welcome: App.models.count === 0 && App.chat.messages.count === 0
    readonly property real columnWidth: Math.min(width - 48, Theme.contentWidth)

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        ChatHeader {
            id: header
            Layout.fillWidth: true
        }

        // ---- notices ----
        ColumnLayout {
            Layout.preferredWidth: root.columnWidth
            Layout.alignment: Qt.AlignHCenter
            Layout.topMargin: visibleChildren.length > 0 ? 10 : 0
            Layout.fillHeight: false
            Layout.fillWidth: false
            spacing: 6

            Banner {
                Layout.fillWidth: true
                visible: App.store.mode === "readOnly" || App.store.mode === "inMemory"
                kind: "warning"
                text: App.store.mode === "readOnly"
                      ? qsTr("Read-only session: your conversations can be read but nothing new is saved. %1").arg(App.store.message)
                      : qsTr("Temporary session: nothing is saved when Vole closes. %1").arg(App.store.message)
            }
            Banner {
                Layout.fillWidth: true
                visible: App.store.interruptedAtOpen > 0 && !dismissed
                dismissible: true
                kind: "info"
                text: App.store.interruptedAtOpen === 1
                      ? qsTr("An answer was cut off when Vole last closed. It is saved as far as it got: open its chat and press Continue to finish it.")
                      : qsTr("%1 answers were cut off when Vole last closed. They are saved as far as they got: open their chats and press Continue to finish them.").arg(App.store.interruptedAtOpen)
            }
            Banner {
                Layout.fillWidth: true
                visible: App.engine.state === EngineState.Ready && App.engine.deviceIsCpu && !dismissed
                dismissible: true
                kind: "warning"
                text: qsTr("Vole is running on %1, a CPU driver, not a GPU: answers will be slow. If this computer has a GPU, install its Vulkan driver (Mesa's radv/anv, or the NVIDIA driver), or pick the device in Settings.").arg(App.engine.deviceName)
                actionText: qsTr("Settings")
                onAction: App.showPage("settings")
            }
            Banner {
                Layout.fillWidth: true
                visible: App.engine.state === EngineState.Error
                kind: "danger"
                text: qsTr("Could not load %1: %2").arg(App.engine.modelName).arg(App.engine.error)
                actionText: qsTr("Try again")
                onAction: App.engine.reload()
            }
            Banner {
                Layout.fillWidth: true
                visible: App.chat.saveProblem !== ""
                kind: "warning"
                text: qsTr("The answer could not be saved just now (%1). It is kept in memory and saved as soon as possible.").arg(App.chat.saveProblem)
            }
            // Model loading, with progress.
            Rectangle {
                Layout.fillWidth: true
                visible: App.engine.state === EngineState.Loading
                implicitHeight: 52
                radius: Theme.radiusSmall
                color: Theme.surface
                border.color: Theme.border
                ColumnLayout {
                    anchors.fill: parent
                    anchors.margins: 10
                    spacing: 6
                    RowLayout {
                        Layout.fillWidth: true
                        Text {
                            text: qsTr("Loading %1… %2%").arg(App.engine.modelName).arg(Math.round(App.engine.progress * 100))
                            color: Theme.text
                            font.pixelSize: Theme.fontSmall + 1
                        }
                        Text {
                            text: App.engine.stage
                            color: Theme.textMuted
                            font.pixelSize: Theme.fontSmall
                            elide: Text.ElideMiddle
                            Layout.fillWidth: true
                        }
                        Button {
                            text: qsTr("Cancel")
                            flat: true
                            font.pixelSize: Theme.fontSmall
                            onClicked: App.engine.cancelLoad()
                        }
                    }
                    ProgressBar {
                        Layout.fillWidth: true
                        value: App.engine.progress
                    }
                }
            }
        }

        // ---- the conversation ----
        Item {
            Layout.fillWidth: true
            Layout.fillHeight: true

            WelcomeView {
                anchors.fill: parent
                visible: root.welcome
                onOpenFolderRequested: header.modelPicker.openFolderDialog()
            }
            EmptyChat {
                anchors.fill: parent
                visible: !root.welcome && App.chat.messages.count === 0
            }
            MessageList {
                id: messageList
                anchors.fill: parent
                visible: App.chat.messages.count > 0
                columnWidth: root.columnWidth
            }
        }

        Composer {
            Layout.fillWidth: true
            columnWidth: root.columnWidth
        }
    }
    ImageDropArea {
        anchors.fill: parent
    }
}
