import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// First run, no model yet: what Vole is, which model to get and how to add it.
Flickable {
    id: root
    signal openFolderRequested()
    contentHeight: content.implicitHeight + 48
    clip: true
    boundsBehavior: Flickable.StopAtBounds
    ScrollBar.vertical: ScrollBar { policy: ScrollBar.AsNeeded }

    component Step: RowLayout {
        property int number
        property string heading
        property string body
        spacing: 14
        Rectangle {
            Layout.alignment: Qt.AlignTop
            width: 28; height: 28; radius: 14
            color: Theme.accentSoft
            Text {
                anchors.centerIn: parent
                text: number
                color: Theme.accent
                font.weight: Font.Bold
            }
        }
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 3
            Text {
                text: heading
                font.weight: Font.DemiBold
                font.pixelSize: Theme.fontSize + 1
                color: Theme.text
                Layout.fillWidth: true
                wrapMode: Text.Wrap
            }
            Text {
                text: body
                color: Theme.textMuted
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                textFormat: Text.StyledText
                lineHeight: 1.15
            }
        }
    }

    ColumnLayout {
        id: content
        width: Math.min(root.width - 48, 640)
        x: (root.width - width) / 2
        y: 32
        spacing: 18

        RowLayout {
            spacing: 16
            Image {
                source: "qrc:/icons/vole.svg"
                sourceSize: Qt.size(64, 64)
            }
            ColumnLayout {
                spacing: 2
                Text {
                    text: qsTr("Welcome to Vole")
                    font.pixelSize: Theme.fontTitle + 4
                    font.weight: Font.DemiBold
                    color: Theme.text
                }
                Text {
                    text: qsTr("A private AI assistant that runs entirely on this computer.")
                    color: Theme.textMuted
                    font.pixelSize: Theme.fontSize + 1
                }
            }
        }

        Rectangle {
            Layout.fillWidth: true
            implicitHeight: privacy.implicitHeight + 24
            radius: Theme.radius
            color: Theme.accentSoft
            RowLayout {
                id: privacy
                anchors.fill: parent
                anchors.margins: 12
                spacing: 12
                Icon { glyph: "lock"; size: 20; color: Theme.accent; Layout.alignment: Qt.AlignTop }
                Text {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.text
                    text: qsTr("Vole never sends your data anywhere. Models run on your own GPU, and your conversations are saved only in %1.").arg(App.dataDir)
                }
            }
        }

        Text {
            text: qsTr("To start, Vole needs a model")
            font.pixelSize: Theme.fontLarge
            font.weight: Font.DemiBold
            color: Theme.text
        }

        Step {
            Layout.fillWidth: true
            number: 1
            heading: qsTr("Get Qwen3.5-0.8B (recommended)")
            body: App.pages.has("models")
                  ? qsTr("Small and quick, good for everyday questions. Download it from the Models page: text only is about 1.5 GB, or about 0.4 GB in MLX 4-bit.")
                  : qsTr("Small and quick, good for everyday questions: about 0.5 GB in 4-bit. Download the whole model folder from Hugging Face (<b>Qwen/Qwen3.5-0.8B</b>: config.json, tokenizer files and *.safetensors), for example with <tt>huggingface-cli download Qwen/Qwen3.5-0.8B</tt>. Any Qwen3.5 or Qwen3 model works; bigger ones answer better but need more memory.")
        }
        Step {
            Layout.fillWidth: true
            number: 2
            heading: qsTr("Open it in Vole")
            body: App.pages.has("models")
                  ? qsTr("A downloaded model appears in the model menu; press <b>Use</b> on the Models page to load it. A model you already have works too: choose its folder with “Open a local folder…”.")
                  : qsTr("Choose the folder with “Open a local folder…”. Folders placed in <tt>%1/&lt;org&gt;/&lt;name&gt;</tt> appear on their own.").arg(App.modelsDir)
        }

        RowLayout {
            spacing: 10
            Layout.leftMargin: 42
            VButton {
                visible: App.pages.has("models")
                primary: true
                text: qsTr("Open the Models page")
                iconName: "model"
                onClicked: App.showPage("models")
            }
            VButton {
                primary: !App.pages.has("models")
                text: qsTr("Open a local folder…")
                iconName: "folder"
                onClicked: root.openFolderRequested()
            }
        }

        // Which device will run it.
        Rectangle {
            Layout.fillWidth: true
            Layout.topMargin: 8
            implicitHeight: deviceColumn.implicitHeight + 24
            radius: Theme.radius
            color: Theme.surface
            border.color: Theme.border
            ColumnLayout {
                id: deviceColumn
                anchors.fill: parent
                anchors.margins: 12
                spacing: 6
                RowLayout {
                    spacing: 8
                    Icon { glyph: "chip"; size: 18; color: Theme.textMuted }
                    Text {
                        text: qsTr("Graphics devices Vole can use")
                        font.weight: Font.DemiBold
                        color: Theme.text
                    }
                }
                Repeater {
                    model: App.engine.devices
                    delegate: RowLayout {
                        required property var modelData
                        spacing: 8
                        Layout.fillWidth: true
                        Text {
                            text: modelData.name
                            color: Theme.text
                            Layout.fillWidth: true
                            elide: Text.ElideRight
                        }
                        Text {
                            text: modelData.type + " · " + App.formatBytes(modelData.memory)
                            color: Theme.textMuted
                            font.pixelSize: Theme.fontSmall
                        }
                        Text {
                            visible: modelData.isCpu
                            text: qsTr("CPU driver: slow")
                            color: Theme.warning
                            font.pixelSize: Theme.fontSmall
                            font.weight: Font.DemiBold
                        }
                    }
                }
                Text {
                    visible: App.engine.devices.length === 0
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.danger
                    text: App.engine.devicesError !== "" ? App.engine.devicesError
                          : qsTr("Looking for Vulkan devices…")
                }
            }
        }
    }
}
