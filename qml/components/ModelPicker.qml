import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// The model in use and how to change it: the installed models (models folder and
// opened folders), the Models page and "Open a local folder…".
Button {
    id: root
    implicitHeight: 34
    leftPadding: 10
    rightPadding: 8
    focusPolicy: Qt.NoFocus
    onClicked: popup.opened ? popup.close() : popup.open()

    function openFolderDialog() { folderDialog.open() }

    readonly property string label: App.engine.state === EngineState.None ? qsTr("Choose a model")
                                  : App.engine.modelName + (App.engine.remote ? qsTr(" · remote") : "")
    background: Rectangle {
        radius: Theme.radiusSmall
        color: root.hovered || popup.opened ? Theme.hover : "transparent"
        border.color: Theme.border
    }
    contentItem: RowLayout {
        spacing: 8
        Icon { glyph: "model"; size: 16; color: Theme.accent }
        Text {
            text: root.label
            color: Theme.text
            font.weight: Font.Medium
            elide: Text.ElideMiddle
            Layout.maximumWidth: 260
        }
        BusyIndicator {
            visible: App.engine.state === EngineState.Loading
            running: visible
            implicitWidth: 16
            implicitHeight: 16
        }
        Icon { glyph: "chevron-down"; size: 14; color: Theme.textMuted }
    }

    Popup {
        id: popup
        y: root.height + 4
        width: 380
        padding: 6
        background: Rectangle {
            radius: Theme.radius
            color: Theme.surface
            border.color: Theme.border
        }
        contentItem: ColumnLayout {
            spacing: 2
            Text {
                text: qsTr("Installed models")
                font.pixelSize: Theme.fontSmall
                font.weight: Font.DemiBold
                color: Theme.textMuted
                Layout.margins: 8
            }
            Repeater {
                model: App.models
                delegate: ItemDelegate {
                    id: entry
                    required property string path
                    required property string displayName
                    required property string architecture
                    required property string sizeText
                    required property bool opened
                    required property bool present
                    required property bool chatModel
                    readonly property bool current: App.engine.modelDir === path
                    Layout.fillWidth: true
                    visible: chatModel  // speech, voice and embedding models are not chat models
                    enabled: present
                    padding: 8
                    onClicked: {
                        popup.close()
                        App.selectModel(path)
                    }
                    background: Rectangle {
                        radius: Theme.radiusSmall
                        color: entry.current ? Theme.selected : entry.hovered ? Theme.hover : "transparent"
                    }
                    contentItem: RowLayout {
                        spacing: 8
                        ColumnLayout {
                            spacing: 1
                            Layout.fillWidth: true
                            Text {
                                text: entry.displayName
                                color: Theme.text
                                elide: Text.ElideMiddle
                                Layout.fillWidth: true
                            }
                            Text {
                                text: entry.present ? [entry.architecture, entry.sizeText, entry.opened ? qsTr("opened folder") : ""]
                                                      .filter(function(s) { return s !== "" }).join(" · ")
                                                    : qsTr("folder not found")
                                color: Theme.textMuted
                                font.pixelSize: Theme.fontSmall
                                elide: Text.ElideMiddle
                                Layout.fillWidth: true
                            }
                        }
                        Icon { visible: entry.current; glyph: "check"; size: 16; color: Theme.accent }
                        IconButton {
                            visible: entry.opened
                            iconName: "close"
                            iconSize: 14
                            tip: qsTr("Forget this folder (the files stay where they are)")
                            onClicked: App.forgetModelFolder(entry.path)
                        }
                    }
                }
            }
            Text {
                visible: App.models.count === 0
                text: qsTr("No models yet.")
                color: Theme.textMuted
                Layout.margins: 8
            }
            RemoteModelEntries { Layout.fillWidth: true; onChosen: popup.close() }
            Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border; Layout.topMargin: 4 }
            ItemDelegate {
                visible: App.pages.has("models")
                Layout.fillWidth: true
                padding: 8
                onClicked: {
                    popup.close()
                    App.showPage("models")
                }
                background: Rectangle { radius: Theme.radiusSmall; color: parent.hovered ? Theme.hover : "transparent" }
                contentItem: RowLayout {
                    spacing: 8
                    Icon { glyph: "download"; size: 16; color: Theme.text }
                    Text { text: qsTr("Download models…"); color: Theme.text; Layout.fillWidth: true }
                    Text { text: "Ctrl+M"; color: Theme.textFaint; font.pixelSize: Theme.fontSmall }
                }
            }
            ItemDelegate {
                Layout.fillWidth: true
                padding: 8
                onClicked: {
                    popup.close()
                    folderDialog.open()
                }
                background: Rectangle { radius: Theme.radiusSmall; color: parent.hovered ? Theme.hover : "transparent" }
                contentItem: RowLayout {
                    spacing: 8
                    Icon { glyph: "folder"; size: 16; color: Theme.text }
                    Text { text: qsTr("Open a local folder…"); color: Theme.text; Layout.fillWidth: true }
                }
            }
        }
    }

    ModelFolderDialog { id: folderDialog }
}
