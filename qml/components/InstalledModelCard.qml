import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// An installed model: size on disk, features, bytes saved by the selective download;
// Use (loads it on the engine thread), Download vision too, Delete (asks first; refused
// while a download for it runs) or Forget (a folder opened from elsewhere).
Rectangle {
    id: card
    required property string path
    required property string displayName
    required property string architecture
    required property string sizeText
    required property string repo
    required property string featuresText
    required property string savedText
    required property bool opened
    required property bool present
    required property bool downloaded
    required property bool intact
    required property bool canAddVision
    required property bool deletable
    required property bool downloading
    readonly property bool current: App.engine.modelDir === path
    property string problem: ""
    signal deleteRequested(string repo, string name, string size)

    TestProbe { target: useButton; name: "installed-use-" + card.displayName }

    implicitHeight: column.implicitHeight + 28
    radius: Theme.radius
    color: Theme.surface
    border.color: current ? Theme.accent : Theme.border

    ColumnLayout {
        id: column
        x: 16
        y: 14
        width: parent.width - 32
        spacing: 8

        RowLayout {
            Layout.fillWidth: true
            spacing: 10
            Icon { glyph: "model"; size: 20; color: card.current ? Theme.accent : Theme.textMuted }
            Text {
                text: card.displayName
                font.pixelSize: Theme.fontSize + 1
                font.weight: Font.DemiBold
                color: Theme.text
                elide: Text.ElideMiddle
                Layout.fillWidth: true
            }
            Tag {
                visible: card.current
                text: App.engine.state === EngineState.Loading ? qsTr("Loading…") : App.engine.state === EngineState.Error ? qsTr("Failed to load") : qsTr("In use")
                fill: App.engine.state === EngineState.Error ? Theme.dangerSoft : Theme.accentSoft
                ink: App.engine.state === EngineState.Error ? Theme.danger : Theme.accent
            }
            Tag { visible: card.featuresText !== ""; text: card.featuresText }
        }
        Text {
            Layout.fillWidth: true
            text: card.present ? [card.architecture, card.sizeText !== "" ? qsTr("%1 on disk").arg(card.sizeText) : "",
                                  card.downloaded ? qsTr("downloaded by Vole") : card.opened ? qsTr("opened folder") : qsTr("placed by hand")]
                                  .filter(function(s) { return s !== "" }).join("  ·  ")
                               : qsTr("Folder not found: it was moved or deleted.")
            color: card.present ? Theme.textMuted : Theme.danger
            font.pixelSize: Theme.fontSmall
            wrapMode: Text.Wrap
        }
        RowLayout {
            visible: card.savedText !== ""
            spacing: 6
            Icon { glyph: "check"; size: 14; color: Theme.accent }
            Text { text: card.savedText; color: Theme.accent; font.pixelSize: Theme.fontSmall }
        }
        Text {
            visible: !card.intact
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            text: qsTr("Some of its files are missing or changed since the download: delete it and download it again.")
            color: Theme.warning
            font.pixelSize: Theme.fontSmall
        }
        Text {
            Layout.fillWidth: true
            text: card.path
            color: Theme.textFaint
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideMiddle
        }
        RowLayout {
            Layout.fillWidth: true
            Layout.topMargin: 2
            spacing: 8
            VButton {
                id: useButton
                primary: !card.current
                enabled: card.present && (!card.current || App.engine.state === EngineState.Error)
                text: card.current ? qsTr("In use") : qsTr("Use")
                iconName: card.current ? "check" : "model"
                onClicked: App.selectModel(card.path)
            }
            VButton {
                visible: card.canAddVision && !card.downloading
                text: qsTr("Download vision too")
                iconName: "image"
                onClicked: card.problem = App.modelManager.addVision(card.repo)
            }
            Text {
                visible: card.downloading
                text: qsTr("A download for this model is unfinished")
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
            }
            Item { Layout.fillWidth: true }
            VButton {
                visible: card.downloaded && card.repo !== ""
                enabled: card.deletable
                danger: true
                text: qsTr("Delete…")
                iconName: "trash"
                ToolTip.visible: hovered && !enabled
                ToolTip.text: qsTr("Cancel its download first")
                onClicked: card.deleteRequested(card.repo, card.displayName, card.sizeText)
            }
            VButton {
                visible: card.opened
                text: qsTr("Forget")
                iconName: "close"
                ToolTip.visible: hovered
                ToolTip.delay: 500
                ToolTip.text: qsTr("Remove from the list (the files stay where they are)")
                onClicked: App.forgetModelFolder(card.path)
            }
        }
        Text {
            visible: card.problem !== ""
            Layout.fillWidth: true
            text: card.problem
            color: Theme.danger
            wrapMode: Text.Wrap
            font.pixelSize: Theme.fontSmall
        }
    }
}
