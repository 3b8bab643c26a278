import QtQuick
import QtQuick.Controls
import Vole
import Vole.Style

// Which knowledge collection this conversation answers from (stored with it). Shown once
// a collection exists.
ComboBox {
    id: root
    objectName: "knowledgePicker"
    visible: App.knowledgeChat.collections.length > 0
    implicitHeight: 34
    implicitWidth: Math.min(290, label.implicitWidth + 70)
    rightPadding: 30
    model: {
        var names = [qsTr("No knowledge")]
        var collections = App.knowledgeChat.collections
        for (var i = 0; i < collections.length; ++i) names.push(collections[i])
        return names
    }
    currentIndex: App.knowledgeChat.collection === "" ? 0 : App.knowledgeChat.collections.indexOf(App.knowledgeChat.collection) + 1
    displayText: App.knowledgeChat.collection === "" ? qsTr("No knowledge") : qsTr("Knowledge: %1").arg(App.knowledgeChat.collection)
    onActivated: function(index) {
        App.knowledgeChat.collection = index === 0 ? "" : App.knowledgeChat.collections[index - 1]
        App.requestFocus("composer")  // back to typing the question
    }
    background: Rectangle {
        radius: Theme.radiusSmall
        color: root.hovered || root.popup.opened ? Theme.hover : "transparent"
        border.color: root.currentIndex > 0 ? Theme.accent : Theme.border
    }
    indicator: Icon {
        glyph: "chevron-down"
        size: 14
        color: Theme.textMuted
        x: root.width - width - 10
        y: (root.height - height) / 2
    }
    contentItem: Row {
        leftPadding: 10
        spacing: 6
        Icon { glyph: "knowledge"; size: 16; color: root.currentIndex > 0 ? Theme.accent : Theme.textMuted; anchors.verticalCenter: parent.verticalCenter }
        Text {
            id: label
            text: root.displayText
            color: Theme.text
            elide: Text.ElideRight
            width: Math.min(implicitWidth, 220, root.width - 70)
            anchors.verticalCenter: parent.verticalCenter
        }
    }
    TestProbe { target: root; name: "knowledge-picker" }
    Connections {
        target: root.popup
        function onOpened() { App.logEvent("knowledge-picker-opened") }
    }
    ToolTip.visible: hovered
    ToolTip.delay: 600
    ToolTip.text: qsTr("Answer from a knowledge collection, citing its passages")
}
