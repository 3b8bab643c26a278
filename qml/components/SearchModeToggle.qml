import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Under the search field while searching: by words (full-text) or by meaning (the
// conversation memory: nearest messages fused with the word hits).
RowLayout {
    id: root
    visible: App.search.active && App.search.meaningAvailable
    spacing: 4
    component ModeButton: AbstractButton {
        id: button
        property bool current: false
        implicitHeight: 24
        implicitWidth: label.implicitWidth + 16
        focusPolicy: Qt.NoFocus
        background: Rectangle {
            radius: Theme.radiusSmall
            color: button.current ? Theme.accentSoft : button.hovered ? Theme.hover : "transparent"
        }
        contentItem: Text {
            id: label
            text: button.text
            horizontalAlignment: Text.AlignHCenter
            verticalAlignment: Text.AlignVCenter
            font.pixelSize: Theme.fontSmall
            color: button.current ? Theme.text : Theme.textMuted
        }
    }
    ModeButton {
        text: qsTr("Words")
        current: !App.search.byMeaning
        onClicked: App.search.byMeaning = false
    }
    ModeButton {
        id: meaningButton
        text: qsTr("By meaning")
        current: App.search.byMeaning
        onClicked: App.search.byMeaning = true
        TestProbe { target: meaningButton; name: "search-by-meaning" }
    }
    Item { Layout.fillWidth: true }
}
