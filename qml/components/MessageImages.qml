import QtQuick
import QtQuick.Controls
import Vole
import Vole.Style

// The pictures sent with a message, as thumbnails; a click shows one whole.
Flow {
    id: root
    property var images: []
    visible: images.length > 0
    spacing: 6
    layoutDirection: Qt.RightToLeft
    Repeater {
        model: root.images
        delegate: Rectangle {
            required property url modelData
            objectName: "messageImage"
            width: 120
            height: 120
            radius: 10
            color: Theme.surfaceAlt
            border.color: Theme.border
            clip: true
            Image {
                anchors.fill: parent
                anchors.margins: 1
                source: parent.modelData
                sourceSize.width: 240
                sourceSize.height: 240
                fillMode: Image.PreserveAspectCrop
                asynchronous: true
            }
            MouseArea {
                anchors.fill: parent
                cursorShape: Qt.PointingHandCursor
                onClicked: viewer.show(parent.modelData)
            }
        }
    }
    ImageViewer { id: viewer }
}
