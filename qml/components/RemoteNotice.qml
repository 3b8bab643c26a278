import QtQuick
import Vole

// Shown once, before the first chat with a remote model: what is sent leaves this computer.
ConfirmDialog {
    id: root
    property string modelId  // "remote:<name>"
    title: qsTr("Chat with a model on another computer?")
    message: qsTr("What you write to %1, and the conversation sent with it, goes to %2 and leaves this computer. Local models keep everything here.")
             .arg(modelId.substring(7)).arg(App.remoteModels.baseUrl)
    confirmText: qsTr("Use it")
    onConfirmed: {
        App.remoteModels.acceptNotice()
        App.selectModel(modelId)
    }

    // Selects the model, asking first if the notice was never accepted.
    function choose(id) {
        if (App.remoteModels.noticeAccepted) {
            App.selectModel(id)
            return
        }
        modelId = id
        open()
    }
}
