import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style
import "../components"

// The model manager: add a model (catalog, Hugging Face repo, local folder), follow
// downloads, manage installed models and storage. Ctrl+1 / Ctrl+2 / Ctrl+3 switch
// between Catalog, Installed and Storage.
Rectangle {
    id: page
    color: Theme.window
    property int tab: 0
    property string kindFilter: ""  // "" = every kind; else a catalog kind ("speech-to-text")
    readonly property var tabNames: ["catalog", "installed", "storage"]

    function showTab(index) {
        tab = index
        if (index === 2) App.modelManager.refreshStorage()
        scroll.ScrollBar.vertical.position = 0
        App.logEvent("models-tab", { "tab": tabNames[index] })
    }

    Component.onCompleted: addBar.focusField()
    Connections {
        target: App
        function onCurrentPageChanged() {
            if (App.currentPage !== "models") return
            addBar.focusField()
            App.modelManager.refreshStorage()
        }
    }
    Repeater {
        model: 3
        delegate: Item {
            required property int index
            Shortcut {
                sequence: "Ctrl+" + (index + 1)
                enabled: App.currentPage === "models"
                context: Qt.ApplicationShortcut
                onActivated: page.showTab(index)
            }
        }
    }

    component SegmentButton: AbstractButton {
        id: segment
        required property int index
        property string label
        readonly property bool current: page.tab === index
        implicitHeight: 34
        implicitWidth: tabLabel.implicitWidth + 28
        focusPolicy: Qt.NoFocus
        onClicked: page.showTab(index)
        ToolTip.visible: hovered
        ToolTip.delay: 600
        ToolTip.text: "Ctrl+" + (index + 1)
        background: Rectangle {
            radius: Theme.radiusSmall
            color: segment.current ? Theme.surface : segment.hovered ? Theme.hover : "transparent"
            border.color: segment.current ? Theme.border : "transparent"
        }
        contentItem: Text {
            id: tabLabel
            text: segment.label
            horizontalAlignment: Text.AlignHCenter
            verticalAlignment: Text.AlignVCenter
            color: segment.current ? Theme.text : Theme.textMuted
            font.weight: segment.current ? Font.DemiBold : Font.Normal
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

            RowLayout {
                Layout.topMargin: 24
                Layout.fillWidth: true
                spacing: 12
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 2
                    Text {
                        text: qsTr("Models")
                        font.pixelSize: Theme.fontTitle
                        font.weight: Font.DemiBold
                        color: Theme.text
                    }
                    Text {
                        Layout.fillWidth: true
                        text: qsTr("Open models that run on this computer. Pick one from the catalog, add any Hugging Face repo, or open a folder you already have.")
                        color: Theme.textMuted
                        wrapMode: Text.Wrap
                    }
                }
                VButton {
                    text: qsTr("Open a local folder…")
                    iconName: "folder"
                    onClicked: folderDialog.open()
                }
            }

            AddModelBar {
                id: addBar
                Layout.fillWidth: true
            }

            // ---- downloads (running, paused, failed, finished, or left by an earlier run) ----
            ColumnLayout {
                visible: App.modelManager.downloads.count > 0
                Layout.fillWidth: true
                spacing: 8
                Text {
                    text: qsTr("Downloads")
                    font.pixelSize: Theme.fontLarge
                    font.weight: Font.DemiBold
                    color: Theme.text
                }
                Repeater {
                    model: App.modelManager.downloads
                    delegate: DownloadCard {
                        Layout.fillWidth: true
                        onShowStorage: page.showTab(2)
                    }
                }
            }

            // ---- catalog / installed / storage ----
            Rectangle {
                Layout.fillWidth: true
                Layout.topMargin: 4
                implicitHeight: tabs.implicitHeight + 8
                radius: Theme.radius
                color: Theme.surfaceAlt
                border.color: Theme.border
                RowLayout {
                    id: tabs
                    x: 4
                    y: 4
                    spacing: 4
                    SegmentButton { index: 0; label: qsTr("Catalog") }
                    SegmentButton { index: 1; label: qsTr("Installed (%1)").arg(App.models.count) }
                    SegmentButton { index: 2; label: qsTr("Storage") }
                }
            }

            ModelKindFilter {
                visible: page.tab === 0
                Layout.fillWidth: true
                current: page.kindFilter
                onPicked: function(kind) { page.kindFilter = kind }
            }

            GridLayout {
                visible: page.tab === 0
                Layout.fillWidth: true
                columns: width > 760 ? 2 : 1
                columnSpacing: 14
                rowSpacing: 14
                Repeater {
                    model: App.modelManager.catalog
                    delegate: CatalogCard {
                        visible: page.kindFilter === "" || kind === page.kindFilter
                        Layout.fillWidth: true
                        Layout.preferredWidth: 1
                        Layout.fillHeight: true
                        Layout.alignment: Qt.AlignTop
                    }
                }
            }

            ColumnLayout {
                visible: page.tab === 1
                Layout.fillWidth: true
                spacing: 10
                Repeater {
                    model: App.models
                    delegate: InstalledModelCard {
                        Layout.fillWidth: true
                        onDeleteRequested: function(repo, name, size) {
                            confirmDelete.repo = repo
                            confirmDelete.title = qsTr("Delete %1?").arg(name)
                            confirmDelete.message = qsTr("Its files (%1) are removed from this computer. You can download it again later.").arg(size)
                            confirmDelete.open()
                        }
                    }
                }
                Rectangle {
                    visible: App.models.count === 0
                    Layout.fillWidth: true
                    implicitHeight: empty.implicitHeight + 40
                    radius: Theme.radius
                    color: Theme.surface
                    border.color: Theme.border
                    Text {
                        id: empty
                        x: 20
                        y: 20
                        width: parent.width - 40
                        wrapMode: Text.Wrap
                        color: Theme.textMuted
                        text: qsTr("No models yet. Download one from the catalog, add a Hugging Face repo above, or open a folder with a model you already have.")
                    }
                }
            }

            RemoteSourcePanel {
                visible: page.tab === 1
                Layout.fillWidth: true
            }

            StoragePanel {
                visible: page.tab === 2
                Layout.fillWidth: true
            }

            Item { Layout.preferredHeight: 16 }
        }
    }

    ModelFolderDialog { id: folderDialog }
    ConfirmDialog {
        id: confirmDelete
        property string repo
        confirmText: qsTr("Delete")
        onConfirmed: {
            var problem = App.modelManager.deleteModel(repo)
            App.notify(problem !== "" ? problem : qsTr("Deleted %1").arg(repo))
        }
    }
}
