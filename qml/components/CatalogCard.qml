import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// One model of Vole's catalog: what it is, its sizes, licence, features and the model
// card's recommended settings; Download (text only or with vision), or Use once installed.
Rectangle {
    id: card
    required property string catalogId
    required property string displayName
    required property string repo
    required property string format
    required property string licence
    required property string description
    required property string sizeFullText
    required property string sizeTextOnlyText
    required property string featuresText
    required property string samplingText
    required property string thinkingText
    required property string installedPath
    required property bool hasVision
    required property bool recommended
    required property bool installed
    required property bool installedVision
    required property bool downloading
    required property string kind
    required property string kindText
    required property bool chatModel
    property string problem: ""

    function start(vision) {
        problem = App.modelManager.downloadCatalog(catalogId, vision)
    }

    TestProbe { target: downloadButton; name: "catalog-download-" + card.catalogId }

    implicitHeight: column.implicitHeight + 32
    radius: Theme.radius
    color: Theme.surface
    border.color: recommended ? Theme.accent : Theme.border
    border.width: recommended ? 2 : 1

    component Fact: RowLayout {
        property string label
        property string value
        spacing: 10
        Layout.fillWidth: true
        Text {
            text: parent.label
            color: Theme.textFaint
            font.pixelSize: Theme.fontSmall
            Layout.preferredWidth: 92
            Layout.alignment: Qt.AlignTop
        }
        Text {
            text: parent.value
            color: Theme.text
            font.pixelSize: Theme.fontSmall
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }

    ColumnLayout {
        id: column
        x: 16
        y: 16
        width: parent.width - 32
        spacing: 10

        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Text {
                text: card.displayName
                font.pixelSize: Theme.fontLarge
                font.weight: Font.DemiBold
                color: Theme.text
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            Tag {
                visible: card.recommended
                text: qsTr("Recommended")
                fill: Theme.accentSoft
                ink: Theme.accent
            }
        }
        Text {
            text: card.repo
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall
            font.family: Theme.monospace
        }
        Text {
            Layout.fillWidth: true
            text: card.description
            color: Theme.text
            wrapMode: Text.Wrap
            lineHeight: 1.15
        }
        Flow {
            Layout.fillWidth: true
            spacing: 6
            Tag { text: card.kindText; ink: Theme.accent; fill: Theme.accentSoft }
            Tag { visible: card.chatModel; text: card.featuresText; ink: card.hasVision ? Theme.link : Theme.textMuted; fill: card.hasVision ? Theme.infoSoft : Theme.surfaceAlt }
            Tag { text: card.format }
            Tag { text: qsTr("Licence: %1").arg(card.licence) }
        }
        Fact {
            label: qsTr("Download")
            value: card.hasVision ? qsTr("about %1 text only · %2 with vision").arg(card.sizeTextOnlyText).arg(card.sizeFullText)
                                  : qsTr("about %1").arg(card.sizeFullText)
        }
        Fact { visible: card.samplingText !== ""; label: qsTr("Recommended"); value: card.samplingText }
        Fact { visible: card.thinkingText !== ""; label: qsTr("Thinking"); value: card.thinkingText }

        Flow {
            Layout.fillWidth: true
            Layout.topMargin: 4
            spacing: 8
            // Installed: use it, or add what is missing.
            VButton {
                visible: card.installed && card.chatModel
                primary: App.engine.modelDir !== card.installedPath
                enabled: App.engine.modelDir !== card.installedPath || App.engine.state === EngineState.Error
                text: App.engine.modelDir === card.installedPath ? qsTr("In use") : qsTr("Use")
                iconName: App.engine.modelDir === card.installedPath ? "check" : "model"
                onClicked: App.selectModel(card.installedPath)
            }
            VButton {
                visible: card.installed && card.hasVision && !card.installedVision && !card.downloading
                text: qsTr("Download vision too")
                iconName: "image"
                onClicked: card.problem = App.modelManager.addVision(card.repo)
            }
            // Not installed: download.
            VButton {
                id: downloadButton
                visible: !card.installed && !card.downloading
                primary: true
                text: card.hasVision ? qsTr("Download text only") : qsTr("Download")
                iconName: "download"
                onClicked: card.start(false)
            }
            VButton {
                visible: !card.installed && !card.downloading && card.hasVision
                text: qsTr("With vision")
                iconName: "image"
                onClicked: card.start(true)
            }
            Text {
                visible: card.downloading
                height: 34
                verticalAlignment: Text.AlignVCenter
                text: qsTr("Downloading: see Downloads above")
                color: Theme.textMuted
            }
            Text {
                visible: card.installed
                height: 34
                verticalAlignment: Text.AlignVCenter
                text: !card.chatModel ? qsTr("Installed") : card.installedVision ? qsTr("Installed with vision") : qsTr("Installed, text only")
                color: Theme.accent
                font.pixelSize: Theme.fontSmall
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
