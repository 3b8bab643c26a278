import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Where the models' bytes go: Vole's total against the quota and the disk, each model's
// share, and cleaning up partial files nothing will resume.
ColumnLayout {
    id: root
    spacing: 14
    property string cleanupResult: ""

    component Card: Rectangle {
        default property alias content: inner.data
        Layout.fillWidth: true
        implicitHeight: inner.implicitHeight + 32
        radius: Theme.radius
        color: Theme.surface
        border.color: Theme.border
        ColumnLayout {
            id: inner
            x: 16
            y: 16
            width: parent.width - 32
            spacing: 10
        }
    }
    component Figure: Column {
        property string label
        property string value
        property string note
        spacing: 2
        width: (figures.width - 2 * figures.spacing) / 3  // three equal columns
        Text { text: parent.label; color: Theme.textMuted; font.pixelSize: Theme.fontSmall }
        Text { text: parent.value; color: Theme.text; font.pixelSize: Theme.fontTitle; font.weight: Font.DemiBold }
        Text { text: parent.note; visible: text !== ""; color: Theme.textFaint; font.pixelSize: Theme.fontSmall }
    }

    Card {
        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Icon { glyph: "drive"; size: 20; color: Theme.accent }
            Text {
                text: qsTr("Storage")
                font.pixelSize: Theme.fontLarge
                font.weight: Font.DemiBold
                color: Theme.text
                Layout.fillWidth: true
            }
            VButton { text: qsTr("Open folder"); iconName: "folder"; onClicked: App.openDataFolder() }
            VButton { text: qsTr("Change quota…"); iconName: "settings"; onClicked: App.showPage("settings") }
        }
        Row {
            id: figures
            Layout.fillWidth: true
            Layout.topMargin: 4
            spacing: 16
            Figure {
                label: qsTr("Used by Vole's models")
                value: App.formatBytes(App.modelManager.usedBytes)
                note: App.modelManager.savedBytes > 0 ? qsTr("%1 saved by selective downloads").arg(App.formatBytes(App.modelManager.savedBytes)) : ""
            }
            Figure {
                label: qsTr("Quota")
                value: App.modelManager.quotaBytes > 0 ? App.formatBytes(App.modelManager.quotaBytes) : qsTr("None")
                note: App.modelManager.quotaBytes === 0 ? ""
                      : App.modelManager.quotaUse > 0 && App.modelManager.quotaUse < 0.001 ? qsTr("under 0.1% used")
                      : qsTr("%1% used").arg(Math.round(App.modelManager.quotaUse * 1000) / 10)
            }
            Figure {
                label: qsTr("Free on this disk")
                value: App.formatBytes(App.modelManager.freeBytes)
                note: qsTr("of %1").arg(App.formatBytes(App.modelManager.diskBytes))
            }
        }
        VProgressBar {
            Layout.fillWidth: true
            implicitHeight: 10
            value: Math.min(1, App.modelManager.quotaUse)
            fill: App.modelManager.quotaUse > 1 ? Theme.danger : App.modelManager.quotaUse > 0.9 ? Theme.warning : Theme.accent
        }
        Text {
            Layout.fillWidth: true
            text: App.modelManager.storageSummary
            color: App.modelManager.quotaUse > 1 ? Theme.danger : Theme.textMuted
            wrapMode: Text.Wrap
        }
        Text {
            Layout.fillWidth: true
            text: qsTr("Downloads that would go past the quota or the free space are refused before they start. Models live in %1.").arg(App.modelManager.modelsDir)
            color: Theme.textFaint
            font.pixelSize: Theme.fontSmall
            wrapMode: Text.Wrap
        }
    }

    Card {
        Text {
            text: qsTr("By model")
            font.weight: Font.DemiBold
            color: Theme.text
        }
        Repeater {
            model: App.modelManager.storageEntries
            delegate: RowLayout {
                required property var modelData
                Layout.fillWidth: true
                spacing: 12
                Text {
                    text: modelData.name
                    color: Theme.text
                    elide: Text.ElideMiddle
                    Layout.preferredWidth: 260
                }
                Text {
                    visible: modelData.savedText !== ""
                    text: modelData.savedText
                    color: Theme.accent
                    font.pixelSize: Theme.fontSmall
                }
                Tag {
                    visible: modelData.unfinished
                    text: qsTr("unfinished download")
                    fill: Theme.warningSoft
                    ink: Theme.warning
                }
                VProgressBar {
                    Layout.fillWidth: true
                    value: modelData.share
                }
                Text {
                    text: modelData.sizeText
                    color: Theme.textMuted
                    horizontalAlignment: Text.AlignRight
                    Layout.preferredWidth: 80
                }
            }
        }
        Text {
            visible: App.modelManager.storageEntries.length === 0
            text: qsTr("Nothing downloaded yet.")
            color: Theme.textMuted
        }
    }

    Card {
        RowLayout {
            Layout.fillWidth: true
            spacing: 12
            ColumnLayout {
                Layout.fillWidth: true
                spacing: 3
                Text {
                    text: qsTr("Leftover files")
                    font.weight: Font.DemiBold
                    color: Theme.text
                }
                Text {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.textMuted
                    font.pixelSize: Theme.fontSmall
                    text: qsTr("Partial files of downloads that were abandoned. Downloads listed on this page keep theirs, so they can still resume.")
                }
            }
            VButton {
                text: qsTr("Clean up")
                iconName: "trash"
                onClicked: root.cleanupResult = App.modelManager.cleanUp()
            }
        }
        Text {
            visible: root.cleanupResult !== ""
            Layout.fillWidth: true
            text: root.cleanupResult
            color: Theme.accent
            wrapMode: Text.Wrap
        }
    }
}
