import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// The model picker's remote models (the Models page's Remote source), marked as remote.
ColumnLayout {
    id: root
    signal chosen()
    spacing: 2
    visible: App.remoteModels.models.length > 0

    Text {
        text: qsTr("Remote models")
        font.pixelSize: Theme.fontSmall
        font.weight: Font.DemiBold
        color: Theme.textMuted
        Layout.margins: 8
    }
    Repeater {
        model: App.remoteModels.models
        delegate: ItemDelegate {
            id: entry
            required property string modelData
            readonly property string modelId: App.remoteModels.idFor(modelData)
            readonly property bool current: App.engine.modelDir === modelId
            Layout.fillWidth: true
            padding: 8
            onClicked: {
                root.chosen()
                notice.choose(modelId)
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
                    Text { text: entry.modelData; color: Theme.text; elide: Text.ElideMiddle; Layout.fillWidth: true }
                    Text {
                        text: qsTr("remote · %1").arg(App.remoteModels.baseUrl)
                        color: Theme.textMuted
                        font.pixelSize: Theme.fontSmall
                        elide: Text.ElideMiddle
                        Layout.fillWidth: true
                    }
                }
                Tag { text: qsTr("remote") }
                Icon { visible: entry.current; glyph: "check"; size: 16; color: Theme.accent }
            }
        }
    }
    RemoteNotice { id: notice }
}
