import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Vole
import Vole.Style

// One knowledge collection: its folders (add, remove), what the index holds, the running
// run's progress (files and chunks done of their totals, chunks/s, ETA, the current file),
// the files it skipped with the reason, and re-index / rebuild / remove.
Rectangle {
    id: card
    required property var collectionId
    required property string name
    required property var folders
    required property var documents
    required property var pending
    required property var skipped
    required property var chunks
    required property var chunksWithVectors
    required property string vectorModel
    required property var issues
    required property string state
    required property var progress
    required property var lastReport
    required property string lastError
    property bool showIssues: false
    readonly property bool running: state === "indexing" || state === "paused"
    readonly property var k: App.knowledge

    function etaText(seconds) {
        if (seconds === undefined || seconds < 0) return ""
        if (seconds < 60) return qsTr("%1 s left").arg(Math.ceil(seconds))
        if (seconds < 3600) return qsTr("%1 min left").arg(Math.ceil(seconds / 60))
        return qsTr("%1 h %2 min left").arg(Math.floor(seconds / 3600)).arg(Math.ceil((seconds % 3600) / 60))
    }
    function stateText() {
        switch (state) {
        case "indexing": return progress.phase === "scanning" ? qsTr("Scanning…") : qsTr("Indexing")
        case "paused": return qsTr("Paused")
        case "queued": return qsTr("Queued")
        case "waiting": return qsTr("Waiting for an embedding model")
        case "removing": return qsTr("Removing…")
        default: return lastError !== "" ? qsTr("Failed") : pending > 0 ? qsTr("Incomplete") : qsTr("Up to date")
        }
    }

    implicitHeight: column.implicitHeight + 28
    radius: Theme.radius
    color: Theme.surface
    border.color: lastError !== "" ? Theme.danger : Theme.border

    FolderDialog {
        id: addFolderDialog
        title: qsTr("Add a folder to %1").arg(card.name)
        onAccepted: {
            var problem = card.k.addFolder(card.collectionId, selectedFolder)
            if (problem !== "") App.notify(problem)
        }
    }
    ConfirmDialog {
        id: confirmRemove
        title: qsTr("Remove %1?").arg(card.name)
        message: qsTr("Its index is deleted. The folders and their files stay as they are.")
        confirmText: qsTr("Remove")
        onConfirmed: {
            var problem = card.k.removeCollection(card.collectionId)
            if (problem !== "") App.notify(problem)
        }
    }

    ColumnLayout {
        id: column
        x: 16
        y: 14
        width: parent.width - 32
        spacing: 8

        RowLayout {
            Layout.fillWidth: true
            spacing: 10
            Icon { glyph: "database"; size: 20; color: Theme.accent }
            ColumnLayout {
                spacing: 1
                Layout.fillWidth: true
                Text {
                    text: card.name
                    font.weight: Font.DemiBold
                    color: Theme.text
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
                Text {
                    Layout.fillWidth: true
                    elide: Text.ElideRight
                    color: Theme.textMuted
                    font.pixelSize: Theme.fontSmall
                    text: qsTr("%1 documents · %2 chunks · %3 embedded").arg(card.documents).arg(card.chunks).arg(card.chunksWithVectors)
                          + (card.skipped > 0 ? qsTr(" · %1 skipped").arg(card.skipped) : "")
                }
            }
            Text {
                objectName: "knowledgeState"
                text: card.stateText()
                color: card.lastError !== "" && !card.running ? Theme.danger : Theme.textMuted
                font.pixelSize: Theme.fontSmall
                font.weight: Font.Medium
            }
            IconButton {
                iconName: "regenerate"
                tip: qsTr("Re-index: read new and changed files")
                enabled: !card.running
                onClicked: card.k.reindex(card.collectionId)
            }
            IconButton {
                iconName: "sliders"
                tip: qsTr("Rebuild: cut every document into chunks again (vectors of unchanged text are kept)")
                onClicked: {
                    var problem = card.k.rebuild(card.collectionId)
                    if (problem !== "") App.notify(problem)
                }
            }
            IconButton {
                iconName: "trash"
                tip: qsTr("Remove the collection")
                onClicked: confirmRemove.open()
            }
        }

        // ---- progress of the running run ----
        ColumnLayout {
            Layout.fillWidth: true
            visible: card.running
            spacing: 4
            VProgressBar {
                Layout.fillWidth: true
                value: card.progress.bytesToRead > 0 ? card.progress.bytesDone / card.progress.bytesToRead
                       : card.progress.chunksTotal > 0 ? card.progress.chunksDone / card.progress.chunksTotal : 0
                fill: card.state === "paused" ? Theme.textFaint : Theme.accent
            }
            Text {
                Layout.fillWidth: true
                color: Theme.textMuted
                font.pixelSize: Theme.fontSmall
                text: [qsTr("files %1 / %2").arg(card.progress.filesDone || 0).arg(card.progress.filesToRead || 0),
                       qsTr("chunks %1 / %2").arg(card.progress.chunksDone || 0).arg(card.progress.chunksTotal || 0),
                       card.progress.chunksPerSecond > 0 ? qsTr("%1 chunks/s").arg(card.progress.chunksPerSecond.toFixed(1)) : "",
                       card.etaText(card.progress.etaSeconds)].filter(function(s) { return s !== "" }).join("   ·   ")
            }
            Text {
                Layout.fillWidth: true
                visible: (card.progress.currentFile || "") !== ""
                text: card.progress.currentFile || ""
                color: Theme.textFaint
                font.pixelSize: Theme.fontSmall
                elide: Text.ElideMiddle
            }
        }

        Text {
            Layout.fillWidth: true
            visible: card.lastError !== "" && !card.running
            text: card.lastError
            color: Theme.danger
            wrapMode: Text.Wrap
            font.pixelSize: Theme.fontSmall
        }

        // ---- folders ----
        Repeater {
            model: card.folders
            delegate: RowLayout {
                required property string modelData
                Layout.fillWidth: true
                spacing: 8
                Icon { glyph: "folder"; size: 16; color: Theme.textMuted }
                Text {
                    Layout.fillWidth: true
                    text: modelData
                    color: Theme.text
                    elide: Text.ElideMiddle
                    MouseArea {
                        anchors.fill: parent
                        cursorShape: Qt.PointingHandCursor
                        onClicked: card.k.openPath(modelData)
                    }
                }
                IconButton {
                    iconName: "close"
                    iconSize: 14
                    tip: qsTr("Stop indexing this folder (its documents leave the index)")
                    onClicked: {
                        var problem = card.k.removeFolder(card.collectionId, modelData)
                        if (problem !== "") App.notify(problem)
                    }
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            VButton {
                implicitHeight: 30
                text: qsTr("Add folder…")
                iconName: "plus"
                onClicked: addFolderDialog.open()
            }
            VButton {
                implicitHeight: 30
                visible: card.issues.length > 0
                text: card.showIssues ? qsTr("Hide skipped files") : qsTr("Skipped files (%1)").arg(card.issues.length)
                iconName: "warning"
                onClicked: card.showIssues = !card.showIssues
            }
            Item { Layout.fillWidth: true }
        }

        // ---- skipped files with the reason ----
        Repeater {
            model: card.showIssues ? card.issues : []
            delegate: ColumnLayout {
                required property var modelData
                Layout.fillWidth: true
                spacing: 0
                Text {
                    Layout.fillWidth: true
                    text: modelData.path
                    color: Theme.text
                    font.pixelSize: Theme.fontSmall
                    elide: Text.ElideMiddle
                }
                Text {
                    Layout.fillWidth: true
                    text: modelData.reason
                    color: Theme.textMuted
                    font.pixelSize: Theme.fontSmall
                    wrapMode: Text.Wrap
                }
            }
        }
    }
}
