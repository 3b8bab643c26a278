import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// One download: state, progress bar, bytes, speed and ETA; pause / resume / cancel; the
// files on expand; after a failure its reason and what to do (token, space, retry).
Rectangle {
    id: card
    required property int downloadKey
    required property string displayName
    required property string repo
    required property string state
    required property string stateText
    required property real progress
    required property string bytesText
    required property string speedText
    required property string etaText
    required property string featuresText
    required property string error
    required property string hint
    required property string hintAction
    required property string savedText
    required property string modelPath
    required property var files
    required property bool canPause
    required property bool canResume
    required property bool canCancel
    required property bool canDismiss
    property bool expanded: false
    signal showStorage()

    TestProbe { target: filesToggle; name: "download-files-" + card.repo }

    implicitHeight: column.implicitHeight + 28
    radius: Theme.radius
    color: Theme.surface
    border.color: state === "failed" ? Theme.danger : Theme.border

    ColumnLayout {
        id: column
        x: 16
        y: 14
        width: parent.width - 32
        spacing: 8

        RowLayout {
            Layout.fillWidth: true
            spacing: 10
            Icon {
                glyph: card.state === "completed" ? "check" : card.state === "failed" ? "warning"
                     : card.state === "paused" || card.state === "unfinished" ? "pause" : "download"
                size: 20
                color: card.state === "failed" ? Theme.danger : card.state === "cancelled" ? Theme.textFaint : Theme.accent
            }
            ColumnLayout {
                spacing: 1
                Layout.fillWidth: true
                Text {
                    text: card.displayName
                    font.weight: Font.DemiBold
                    color: Theme.text
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
                Text {
                    text: card.repo + "  ·  " + card.featuresText
                    color: Theme.textMuted
                    font.pixelSize: Theme.fontSmall
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
            }
            Text {
                text: card.stateText
                color: card.state === "failed" ? Theme.danger : Theme.textMuted
                font.pixelSize: Theme.fontSmall
                font.weight: Font.Medium
            }
            IconButton {
                visible: card.canPause
                iconName: "pause"
                tip: qsTr("Pause")
                onClicked: App.modelManager.pause(card.downloadKey)
            }
            IconButton {
                visible: card.canResume
                iconName: "continue"
                iconColor: Theme.accent
                tip: card.state === "failed" ? qsTr("Retry") : qsTr("Resume")
                onClicked: App.modelManager.resume(card.downloadKey)
            }
            IconButton {
                visible: card.canCancel
                iconName: "close"
                tip: qsTr("Cancel and delete the partial files")
                onClicked: App.modelManager.cancel(card.downloadKey)
            }
            VButton {
                visible: card.state === "completed"
                implicitHeight: 30
                primary: App.engine.modelDir !== card.modelPath
                enabled: App.engine.modelDir !== card.modelPath
                text: App.engine.modelDir === card.modelPath ? qsTr("In use") : qsTr("Use")
                iconName: App.engine.modelDir === card.modelPath ? "check" : "model"
                onClicked: App.selectModel(card.modelPath)
            }
            IconButton {
                visible: card.canDismiss
                iconName: "close"
                tip: qsTr("Remove from the list")
                onClicked: App.modelManager.dismiss(card.downloadKey)
            }
        }

        VProgressBar {
            Layout.fillWidth: true
            visible: card.state !== "cancelled"
            value: card.progress
            fill: card.state === "failed" ? Theme.danger
                  : card.state === "paused" || card.state === "unfinished" ? Theme.textFaint : Theme.accent
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 12
            Text {
                text: [card.bytesText, card.speedText, card.etaText].filter(function(s) { return s !== "" }).join("   ·   ")
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
            }
            Text {
                visible: card.savedText !== ""
                text: card.savedText
                color: Theme.accent
                font.pixelSize: Theme.fontSmall
            }
            Item { Layout.fillWidth: true }
            AbstractButton {
                id: filesToggle
                visible: card.files.length > 0
                implicitWidth: toggleRow.implicitWidth + 12
                implicitHeight: 24
                onClicked: {
                    card.expanded = !card.expanded
                    App.logEvent("download-files", { "repo": card.repo, "expanded": card.expanded })
                }
                background: Rectangle {
                    radius: Theme.radiusSmall
                    color: filesToggle.hovered ? Theme.hover : "transparent"
                }
                contentItem: Row {
                    id: toggleRow
                    spacing: 4
                    leftPadding: 6
                    Text {
                        anchors.verticalCenter: parent.verticalCenter
                        text: card.expanded ? qsTr("Hide files")
                              : card.files.length === 1 ? qsTr("1 file") : qsTr("%1 files").arg(card.files.length)
                        color: Theme.link
                        font.pixelSize: Theme.fontSmall
                    }
                    Icon {
                        anchors.verticalCenter: parent.verticalCenter
                        glyph: card.expanded ? "chevron-down" : "chevron-right"
                        size: 14
                        color: Theme.link
                    }
                }
            }
        }

        // The reason for a failure and the way out.
        Rectangle {
            visible: card.state === "failed"
            Layout.fillWidth: true
            implicitHeight: failure.implicitHeight + 20
            radius: Theme.radiusSmall
            color: Theme.dangerSoft
            RowLayout {
                id: failure
                x: 12
                y: 10
                width: parent.width - 24
                spacing: 10
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 4
                    Text {
                        Layout.fillWidth: true
                        text: card.error
                        color: Theme.text
                        wrapMode: Text.Wrap
                        font.pixelSize: Theme.fontSmall
                    }
                    Text {
                        visible: card.hint !== ""
                        Layout.fillWidth: true
                        text: card.hint
                        color: Theme.danger
                        font.weight: Font.Medium
                        wrapMode: Text.Wrap
                        font.pixelSize: Theme.fontSmall
                    }
                }
                VButton {
                    visible: card.hintAction !== ""
                    implicitHeight: 30
                    text: card.hintAction === "settings" ? qsTr("Open Settings")
                        : card.hintAction === "storage" ? qsTr("Storage") : qsTr("Retry")
                    onClicked: {
                        if (card.hintAction === "settings") App.showPage("settings")
                        else if (card.hintAction === "storage") card.showStorage()
                        else App.modelManager.resume(card.downloadKey)
                    }
                }
            }
        }

        // Per-file progress.
        ColumnLayout {
            visible: card.expanded
            Layout.fillWidth: true
            Layout.topMargin: 2
            spacing: 6
            Repeater {
                model: card.expanded ? card.files : []
                delegate: RowLayout {
                    required property var modelData
                    Layout.fillWidth: true
                    spacing: 10
                    Icon {
                        glyph: modelData.state === "done" || modelData.state === "kept" ? "check"
                             : modelData.state === "active" ? "download" : "more"
                        size: 14
                        color: modelData.state === "waiting" ? Theme.textFaint : Theme.accent
                    }
                    Text {
                        text: modelData.path
                        color: Theme.text
                        font.family: Theme.monospace
                        font.pixelSize: Theme.fontSmall
                        elide: Text.ElideMiddle
                        Layout.fillWidth: true
                    }
                    Tag {
                        visible: modelData.selective
                        text: qsTr("selected tensors")
                        fill: Theme.accentSoft
                        ink: Theme.accent
                    }
                    VProgressBar {
                        Layout.preferredWidth: 140
                        implicitHeight: 4
                        value: modelData.progress
                    }
                    Text {
                        text: modelData.sizeText
                        color: Theme.textMuted
                        font.pixelSize: Theme.fontSmall
                        horizontalAlignment: Text.AlignRight
                        Layout.preferredWidth: 150
                    }
                }
            }
        }
    }
}
