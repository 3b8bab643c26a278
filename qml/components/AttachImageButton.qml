import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Vole
import Vole.Style

// Attach pictures from a file dialog. When the loaded model cannot see images the
// button says why instead, and offers Download vision (only the missing tensors) when
// the model has a vision tower that was not downloaded.
IconButton {
    id: root
    readonly property var attachments: App.chat.attachments
    iconName: "image"
    tip: attachments.blocker === "" ? qsTr("Attach images (or drop them here, or paste with Ctrl+V)")
                                   : attachments.blocker
    Accessible.name: qsTr("Attach images")
    onClicked: attachments.blocker === "" ? dialog.open() : why.open()

    FileDialog {
        id: dialog
        title: qsTr("Attach images")
        fileMode: FileDialog.OpenFiles
        nameFilters: [qsTr("Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)"), qsTr("All files (*)")]
        onAccepted: root.attachments.addFiles(selectedFiles)
    }

    Popup {
        id: why
        y: -implicitHeight - 6
        width: 320
        padding: 12
        background: Rectangle {
            radius: Theme.radius
            color: Theme.surface
            border.color: Theme.border
        }
        contentItem: ColumnLayout {
            spacing: 8
            Text {
                Layout.fillWidth: true
                text: root.attachments.blocker
                wrapMode: Text.Wrap
                color: Theme.text
                font.pixelSize: Theme.fontSmall
            }
            VButton {
                visible: root.attachments.downloadRepo !== ""
                text: qsTr("Download vision")
                onClicked: {
                    var problem = App.modelManager.addVision(root.attachments.downloadRepo)
                    if (problem !== "") App.notify(problem)
                    why.close()
                }
            }
        }
    }
}
