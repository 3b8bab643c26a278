import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// The left rail: one button per registered page (App.pages), top pages first, bottom
// pages (settings) at the bottom. Built entirely from the registry.
Rectangle {
    color: Theme.rail
    implicitWidth: Theme.railWidth

    component RailButton: AbstractButton {
        id: button
        required property string pageId
        required property string title
        required property url iconSource
        required property string shortcut
        readonly property bool current: App.currentPage === pageId
        Layout.alignment: Qt.AlignHCenter
        implicitWidth: Theme.railWidth - 12
        implicitHeight: 54
        focusPolicy: Qt.NoFocus
        onClicked: App.showPage(pageId)
        Accessible.name: title
        ToolTip.visible: hovered
        ToolTip.delay: 600
        ToolTip.text: shortcut ? title + "  (" + shortcut + ")" : title
        background: Rectangle {
            radius: Theme.radius
            color: button.current ? Theme.selected : button.hovered ? Theme.hover : "transparent"
        }
        contentItem: Column {
            spacing: 3
            topPadding: 7
            Icon {
                anchors.horizontalCenter: parent.horizontalCenter
                source: button.iconSource
                size: 22
                color: button.current ? Theme.accent : Theme.textMuted
            }
            Text {
                anchors.horizontalCenter: parent.horizontalCenter
                text: button.title
                font.pixelSize: 11
                color: button.current ? Theme.text : Theme.textMuted
            }
        }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.topMargin: 14
        anchors.bottomMargin: 10
        spacing: 6

        Image {
            Layout.alignment: Qt.AlignHCenter
            Layout.bottomMargin: 10
            source: "qrc:/icons/vole.svg"
            sourceSize: Qt.size(38, 38)
            Accessible.name: "Vole"
        }
        Repeater {
            model: App.pages
            delegate: Loader {
                required property var model
                Layout.alignment: Qt.AlignHCenter
                active: !model.bottom
                visible: active
                sourceComponent: RailButton {
                    pageId: model.pageId; title: model.title; iconSource: model.icon; shortcut: model.shortcut
                }
            }
        }
        Item { Layout.fillHeight: true }
        Repeater {
            model: App.pages
            delegate: Loader {
                required property var model
                Layout.alignment: Qt.AlignHCenter
                active: model.bottom
                visible: active
                sourceComponent: RailButton {
                    pageId: model.pageId; title: model.title; iconSource: model.icon; shortcut: model.shortcut
                }
            }
        }
    }
}
