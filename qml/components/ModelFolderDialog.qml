import QtQuick
import QtQuick.Dialogs
import Vole

// "Open a local folder…": a model folder from anywhere on disk, remembered and loaded.
FolderDialog {
    title: qsTr("Choose a model folder (with config.json)")
    onAccepted: {
        var problem = App.openModelFolder(selectedFolder)
        if (problem !== "") App.notify(problem)
    }
}
