import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Vole
import Vole.Style
import "../components"

// The knowledge base: collections of folders indexed for search and cited answers. Each
// collection shows what its index holds, its live progress, and the files it skipped with
// the reason. Indexing runs in the background and follows the folders while the app runs.
Rectangle {
    id: page
    color: Theme.window
    readonly property var knowledge: App.knowledge

    FolderDialog {
        id: newCollectionFolder
        title: qsTr("Choose a folder to index")
        onAccepted: {
            var problem = page.knowledge.addCollection(nameField.text, selectedFolder)
            if (problem !== "") App.notify(problem)
            else nameField.text = ""
        }
    }

    ScrollView {
        id: scroll
        anchors.fill: parent
        contentWidth: availableWidth
        clip: true

        ColumnLayout {
            width: Math.min(scroll.availableWidth - 48, 900)
            x: (scroll.availableWidth - width) / 2
            spacing: 16

            ColumnLayout {
                Layout.topMargin: 24
                Layout.fillWidth: true
                spacing: 2
                Text {
                    text: qsTr("Knowledge")
                    font.pixelSize: Theme.fontTitle
                    font.weight: Font.DemiBold
                    color: Theme.text
                }
                Text {
                    Layout.fillWidth: true
                    text: qsTr("Folders of documents Vole can search and cite in chats. Everything stays on this computer; folders are followed while the app runs.")
                    color: Theme.textMuted
                    wrapMode: Text.Wrap
                }
            }

            Banner {
                Layout.fillWidth: true
                kind: "danger"
                visible: page.knowledge.error !== ""
                text: page.knowledge.error
            }

            // ---- the embedding model ----
            Rectangle {
                Layout.fillWidth: true
                implicitHeight: modelRow.implicitHeight + 24
                radius: Theme.radius
                color: page.knowledge.embeddingModels.length > 0 ? Theme.surface : Theme.warningSoft
                border.color: Theme.border
                RowLayout {
                    id: modelRow
                    x: 16
                    y: 12
                    width: parent.width - 32
                    spacing: 12
                    Icon { glyph: "model"; size: 18; color: Theme.textMuted }
                    Text {
                        Layout.fillWidth: true
                        wrapMode: Text.Wrap
                        color: Theme.text
                        text: page.knowledge.embeddingModels.length > 0
                              ? qsTr("Embedding model")
                              : qsTr("Indexing needs an embedding model such as EmbeddingGemma. Download one on the Models page; collections wait until then.")
                    }
                    ComboBox {
                        id: modelBox
                        visible: page.knowledge.embeddingModels.length > 0
                        Layout.preferredWidth: 340
                        model: page.knowledge.embeddingModels
                        displayText: page.knowledge.embeddingModel.split("/").pop()
                        currentIndex: page.knowledge.embeddingModels.indexOf(page.knowledge.embeddingModel)
                        onActivated: function(index) { page.knowledge.embeddingModel = page.knowledge.embeddingModels[index] }
                    }
                    VButton {
                        visible: page.knowledge.embeddingModels.length === 0 && App.pages.has("models")
                        text: qsTr("Open Models")
                        onClicked: App.showPage("models")
                    }
                }
            }

            // ---- a new collection ----
            RowLayout {
                Layout.fillWidth: true
                spacing: 10
                TextField {
                    id: nameField
                    objectName: "knowledgeNameField"
                    Layout.fillWidth: true
                    implicitHeight: 36
                    placeholderText: qsTr("New collection name, e.g. Manuals")
                    color: Theme.text
                    selectByMouse: true
                    onAccepted: if (text.trim() !== "") newCollectionFolder.open()
                    background: Rectangle {
                        radius: Theme.radiusSmall
                        color: Theme.surfaceAlt
                        border.color: nameField.activeFocus ? Theme.accent : Theme.border
                    }
                }
                VButton {
                    id: addButton
                    primary: true
                    enabled: nameField.text.trim() !== ""
                    text: qsTr("Choose folder…")
                    iconName: "folder"
                    onClicked: newCollectionFolder.open()
                }
            }

            // ---- controls for the running run ----
            RowLayout {
                Layout.fillWidth: true
                visible: page.knowledge.indexing
                spacing: 8
                Text {
                    Layout.fillWidth: true
                    text: page.knowledge.paused ? qsTr("Indexing is paused.") : qsTr("Indexing in the background; chats stay available.")
                    color: Theme.textMuted
                }
                VButton {
                    text: page.knowledge.paused ? qsTr("Resume") : qsTr("Pause")
                    iconName: page.knowledge.paused ? "continue" : "pause"
                    onClicked: page.knowledge.paused ? page.knowledge.resume() : page.knowledge.pause()
                }
                VButton {
                    text: qsTr("Cancel")
                    iconName: "stop"
                    onClicked: page.knowledge.cancel()
                }
            }

            Text {
                visible: page.knowledge.collections.count === 0
                Layout.fillWidth: true
                Layout.topMargin: 24
                horizontalAlignment: Text.AlignHCenter
                text: qsTr("No collections yet. Name one and choose a folder of notes, papers, manuals or code.")
                color: Theme.textFaint
                wrapMode: Text.Wrap
            }

            Repeater {
                model: page.knowledge.collections
                delegate: KnowledgeCollectionCard {
                    Layout.fillWidth: true
                }
            }

            // ---- conversation memory ----
            Rectangle {
                Layout.fillWidth: true
                Layout.topMargin: 8
                implicitHeight: memoryColumn.implicitHeight + 24
                radius: Theme.radius
                color: Theme.surface
                border.color: Theme.border
                ColumnLayout {
                    id: memoryColumn
                    x: 16
                    y: 12
                    width: parent.width - 32
                    spacing: 4
                    RowLayout {
                        Layout.fillWidth: true
                        Text {
                            Layout.fillWidth: true
                            text: qsTr("Conversation memory")
                            font.weight: Font.DemiBold
                            color: Theme.text
                        }
                        Switch {
                            id: recallSwitch
                            checked: App.memory.recall
                            onToggled: App.memory.recall = checked
                        }
                    }
                    Text {
                        Layout.fillWidth: true
                        wrapMode: Text.Wrap
                        color: Theme.textMuted
                        font.pixelSize: Theme.fontSmall
                        text: qsTr("Your messages are embedded as they are written (%1 so far), so Ctrl+F can search by meaning. With the switch on, Vole may also recall related earlier conversations in its answers; the answer then says so under it.").arg(App.memory.remembered)
                    }
                }
            }

            Text {
                visible: page.knowledge.collections.count > 0
                Layout.fillWidth: true
                Layout.bottomMargin: 24
                text: qsTr("Index on disk: %1 (%2)").arg(App.formatBytes(page.knowledge.indexBytes)).arg(page.knowledge.databasePath)
                color: Theme.textFaint
                font.pixelSize: Theme.fontSmall
                elide: Text.ElideMiddle
            }
        }
    }
}
