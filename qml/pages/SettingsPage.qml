import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Vole
import Vole.Style
import "../components"

// Preferences: the model and the device running it, defaults for new chats,
// appearance, storage and privacy. Every change is saved at once.
Rectangle {
    id: page
    color: Theme.window

    component Section: Rectangle {
        default property alias content: inner.data
        property string title
        Layout.fillWidth: true
        implicitHeight: inner.implicitHeight + 40
        radius: Theme.radius
        color: Theme.surface
        border.color: Theme.border
        ColumnLayout {
            id: inner
            x: 20; y: 20
            width: parent.width - 40
            spacing: 14
            Text {
                text: parent.parent.title
                font.pixelSize: Theme.fontLarge
                font.weight: Font.DemiBold
                color: Theme.text
            }
        }
    }

    ScrollView {
        id: scroll
        anchors.fill: parent
        contentWidth: availableWidth
        clip: true

        ColumnLayout {
            width: Math.min(scroll.availableWidth - 48, 820)
            x: (scroll.availableWidth - width) / 2
            spacing: 16

            Text {
                Layout.topMargin: 24
                text: qsTr("Settings")
                font.pixelSize: Theme.fontTitle
                font.weight: Font.DemiBold
                color: Theme.text
            }

            // ---- model and hardware ----
            Section {
                title: qsTr("Model and hardware")

                SettingRow {
                    label: qsTr("Model")
                    help: App.engine.state === EngineState.Ready
                          ? qsTr("%1 · %2 on the device · %3 tokens of context · %4").arg(App.engine.architecture)
                                .arg(App.formatBytes(App.engine.weightBytes)).arg(App.engine.contextLength).arg(App.engine.modelDir)
                          : App.engine.state === EngineState.Loading ? qsTr("Loading…") : qsTr("No model loaded")
                    Text {
                        Layout.fillWidth: true
                        text: App.engine.modelName || "—"
                        color: Theme.text
                        font.weight: Font.Medium
                        elide: Text.ElideMiddle
                    }
                }
                SettingRow {
                    label: qsTr("Graphics device")
                    help: qsTr("Automatic picks a dedicated GPU first, then an integrated one.")
                    ComboBox {
                        id: deviceBox
                        Layout.fillWidth: true
                        model: [{ label: qsTr("Automatic (recommended)"), name: "" }].concat(
                                   App.engine.devices.map(function(d) {
                                       return { label: d.name + " — " + d.type + ", " + App.formatBytes(d.memory)
                                                       + (d.isCpu ? qsTr(" (CPU driver, slow)") : ""),
                                                name: d.name }
                                   }))
                        textRole: "label"
                        valueRole: "name"
                        currentIndex: Math.max(0, indexOfValue(App.settings.device))
                        onActivated: App.settings.device = currentValue
                    }
                }
                // Which device is actually in use, and a clear warning for CPU drivers.
                Rectangle {
                    Layout.fillWidth: true
                    visible: App.engine.state === EngineState.Ready
                    implicitHeight: inUse.implicitHeight + 20
                    radius: Theme.radiusSmall
                    color: App.engine.deviceIsCpu ? Theme.warningSoft : Theme.accentSoft
                    RowLayout {
                        id: inUse
                        anchors.fill: parent
                        anchors.margins: 10
                        spacing: 10
                        Icon {
                            glyph: App.engine.deviceIsCpu ? "warning" : "chip"
                            color: App.engine.deviceIsCpu ? Theme.warning : Theme.accent
                            Layout.alignment: Qt.AlignTop
                        }
                        Text {
                            Layout.fillWidth: true
                            wrapMode: Text.Wrap
                            color: Theme.text
                            text: App.engine.deviceIsCpu
                                  ? qsTr("In use: %1 (%2). This is a CPU driver, not a GPU, so answers are slow. If this computer has a GPU, install its Vulkan driver (Mesa radv/anv or the NVIDIA driver) and choose it above.").arg(App.engine.deviceName).arg(App.engine.deviceType)
                                  : qsTr("In use: %1 (%2, %3).").arg(App.engine.deviceName).arg(App.engine.deviceType).arg(App.formatBytes(App.engine.deviceMemory))
                        }
                    }
                }
                SettingRow {
                    label: qsTr("Context length")
                    help: qsTr("How much of the conversation the model sees, in tokens. Longer uses more GPU memory.")
                    SpinBox {
                        Layout.fillWidth: true
                        from: 512; to: 131072; stepSize: 1024
                        editable: true
                        value: App.settings.contextLength
                        onValueModified: App.settings.contextLength = value
                    }
                }
                RowLayout {
                    visible: App.engine.needsReload
                    Layout.fillWidth: true
                    Text {
                        Layout.fillWidth: true
                        wrapMode: Text.Wrap
                        text: qsTr("The model must be reloaded for these changes to apply.")
                        color: Theme.warning
                    }
                    VButton { primary: true; text: qsTr("Reload model"); onClicked: App.engine.reload() }
                }
            }

            // ---- model downloads ----
            Section {
                title: qsTr("Model downloads")
                SettingRow {
                    label: qsTr("Hugging Face access token")
                    help: qsTr("Only for gated or private models. It is sent only to the hub, never written to logs, and kept in %1.").arg(App.secretStorage)
                    RowLayout {
                        Layout.fillWidth: true
                        spacing: 6
                        TextField {
                            id: tokenField
                            Layout.fillWidth: true
                            text: App.settings.hfToken
                            echoMode: showToken.checked ? TextInput.Normal : TextInput.Password
                            placeholderText: qsTr("hf_…")
                            color: Theme.text
                            selectByMouse: true
                            onEditingFinished: App.settings.hfToken = text
                            background: Rectangle { radius: Theme.radiusSmall; color: Theme.surfaceAlt; border.color: tokenField.activeFocus ? Theme.accent : Theme.border }
                        }
                        IconButton {
                            id: showToken
                            checkable: true
                            iconName: "eye"
                            active: checked
                            tip: checked ? qsTr("Hide the token") : qsTr("Show the token")
                        }
                    }
                }
                SettingRow {
                    label: qsTr("Hub address")
                    help: App.modelManager.hubUrlFromEnvironment
                          ? qsTr("Set by VOLE_HUB_URL for this run: %1").arg(App.modelManager.hubUrl)
                          : hubError.text !== "" ? "" : qsTr("A Hugging Face mirror, or empty for huggingface.co. Always over verified HTTPS.")
                    ColumnLayout {
                        Layout.fillWidth: true
                        TextField {
                            id: hubField
                            Layout.fillWidth: true
                            enabled: !App.modelManager.hubUrlFromEnvironment
                            text: App.settings.hubUrl
                            placeholderText: "https://huggingface.co"
                            color: Theme.text
                            selectByMouse: true
                            onEditingFinished: {
                                hubError.text = App.modelManager.checkHubUrl(text)
                                if (hubError.text === "") App.settings.hubUrl = text
                            }
                            background: Rectangle { radius: Theme.radiusSmall; color: Theme.surfaceAlt; border.color: hubError.text !== "" ? Theme.danger : hubField.activeFocus ? Theme.accent : Theme.border }
                        }
                        Text {
                            id: hubError
                            visible: text !== ""
                            Layout.fillWidth: true
                            color: Theme.danger
                            font.pixelSize: Theme.fontSmall
                            wrapMode: Text.Wrap
                        }
                    }
                }
                SettingRow {
                    label: qsTr("Storage quota")
                    help: qsTr("The most Vole's models may take. A download that would go past it is refused before it starts. Now: %1.").arg(App.modelManager.storageSummary)
                    SpinBox {
                        id: quotaBox
                        Layout.fillWidth: true
                        from: 1
                        to: Math.max(value, Math.ceil(App.modelManager.diskBytes / 1e9), 1)
                        editable: true
                        value: Math.max(1, Math.round(App.settings.quotaBytes / 1e9))
                        textFromValue: function(v) { return v + " GB" }
                        valueFromText: function(t) { return parseInt(t) || 1 }
                        onValueModified: App.settings.quotaBytes = value * 1e9
                    }
                }
            }

            // ---- defaults for new chats ----
            Section {
                title: qsTr("Conversation defaults")

                Text {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.textMuted
                    text: qsTr("Used by every chat unless the chat has its own settings (the sliders button above a chat).")
                }
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 6
                    Text { text: qsTr("System prompt"); color: Theme.text }
                    TextArea {
                        Layout.fillWidth: true
                        Layout.preferredHeight: 80
                        text: App.settings.systemPrompt
                        wrapMode: TextEdit.Wrap
                        color: Theme.text
                        placeholderText: qsTr("How the assistant should behave (empty: no system prompt)")
                        onTextChanged: if (activeFocus) App.settings.systemPrompt = text
                        background: Rectangle { radius: Theme.radiusSmall; color: Theme.surfaceAlt; border.color: Theme.border }
                    }
                }
                SamplingForm {
                    Layout.fillWidth: true
                    values: App.settings.sampling
                }
                VButton {
                    text: App.engine.state === EngineState.Ready ? qsTr("Use the model's recommended values") : qsTr("Reset to Vole's defaults")
                    iconName: "regenerate"
                    onClicked: App.engine.applyModelDefaults(App.settings.sampling)
                }
            }

            // ---- voice input (MicrophoneSettings.qml) ----
            Section {
                title: qsTr("Voice input")
                MicrophoneSettings { Layout.fillWidth: true }
            }

            // ---- reading aloud ----
            Section {
                title: qsTr("Reading aloud")
                VoiceSettings { Layout.fillWidth: true }
            }

            // ---- appearance ----
            Section {
                title: qsTr("Appearance")
                SettingRow {
                    label: qsTr("Theme")
                    RowLayout {
                        Layout.fillWidth: true
                        Repeater {
                            model: [{ value: "system", label: qsTr("System") }, { value: "light", label: qsTr("Light") },
                                    { value: "dark", label: qsTr("Dark") }]
                            delegate: RadioButton {
                                required property var modelData
                                text: modelData.label
                                checked: App.settings.theme === modelData.value
                                onClicked: App.settings.theme = modelData.value
                            }
                        }
                    }
                }
            }

            LocalApiSection {}

            // ---- storage and privacy ----
            Section {
                title: qsTr("Storage and privacy")
                Text {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.text
                    text: qsTr("Vole works offline and never sends your conversations, files or usage anywhere.")
                }
                SettingRow {
                    label: qsTr("Data folder")
                    help: App.dataDirFromEnvironment
                          ? qsTr("Set by VOLE_DATA_DIR for this run.")
                          : qsTr("Conversations (vole.db) and downloaded models. A change applies after restarting Vole; existing files are not moved.")
                    ColumnLayout {
                        Layout.fillWidth: true
                        Text {
                            Layout.fillWidth: true
                            text: App.settings.dataFolder !== "" && !App.dataDirFromEnvironment ? App.settings.dataFolder : App.dataDir
                            color: Theme.text
                            elide: Text.ElideMiddle
                        }
                        RowLayout {
                            VButton { text: qsTr("Open"); iconName: "folder"; onClicked: App.openDataFolder() }
                            VButton {
                                text: qsTr("Change…")
                                enabled: !App.dataDirFromEnvironment
                                onClicked: dataFolderDialog.open()
                            }
                            VButton {
                                visible: App.settings.dataFolder !== ""
                                text: qsTr("Default")
                                onClicked: App.settings.dataFolder = ""
                            }
                        }
                    }
                }
                SettingRow {
                    label: qsTr("Conversation database")
                    help: App.store.mode === "normal" ? qsTr("Saved as you chat; an answer cut off by a crash can be continued.")
                        : App.store.mode === "readOnly" ? qsTr("Open read-only in this session.")
                        : App.store.mode === "inMemory" ? qsTr("Not saved in this session.") : ""
                    Text {
                        Layout.fillWidth: true
                        text: App.store.path
                        color: Theme.textMuted
                        elide: Text.ElideMiddle
                    }
                }
            }
            Text {
                Layout.bottomMargin: 24
                text: qsTr("Vole %1 · settings in %2").arg(App.version).arg(App.settings.settingsFile)
                color: Theme.textFaint
                font.pixelSize: Theme.fontSmall
            }
        }
    }

    FolderDialog {
        id: dataFolderDialog
        title: qsTr("Choose where Vole keeps its data")
        onAccepted: {
            var path = selectedFolder.toString().replace(/^file:\/\//, "")
            App.settings.dataFolder = decodeURIComponent(path)
        }
    }
}
