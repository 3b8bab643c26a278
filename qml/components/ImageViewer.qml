import QtQuick
import QtQuick.Controls
import Vole
import Vole.Style

// One picture shown whole over the window; a click or Esc closes it.
Popup {
    id: root
    function show(url) {
        picture.source = url
        open()
    }
    parent: Overlay.overlay
    anchors.centerIn: Overlay.overlay
    width: Overlay.overlay ? Overlay.overlay.width * 0.9 : 800
    height: Overlay.overlay ? Overlay.overlay.height * 0.9 : 600
    modal: true
    padding: 8
    background: Rectangle { color: Theme.surface; radius: Theme.radius }
    contentItem: Image {
        id: picture
        fillMode: Image.PreserveAspectFit
        asynchronous: true
        MouseArea {
            anchors.fill: parent
            onClicked: root.close()
        }
    }
}
