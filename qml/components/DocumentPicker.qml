import QtQuick
import QtQuick.Controls
import Vole
import Vole.Style

// Whole-document mode (App.knowledgeChat.document): with a collection chosen, questions are
// answered from its retrieved passages, or, with one of its documents picked here, from
// that whole document read in parts ("summarise this report", "list every invoice"), which
// passages cannot do. The list is read from the index each time it opens.
ComboBox {
    id: root
    objectName: "documentPicker"
    visible: App.knowledgeChat.collection !== ""
    implicitHeight: 34
    implicitWidth: Math.min(260, label.implicitWidth + 60)
    rightPadding: 30
    property var documents: []
    function refresh() { documents = App.knowledgeChat.documents() }
    model: {
        var labels = [qsTr("Search passages")]
        for (var i = 0; i < documents.length; ++i) labels.push(documents[i].label)
        return labels
    }
    currentIndex: {
        for (var i = 0; i < documents.length; ++i)
            if (documents[i].path === App.knowledgeChat.document) return i + 1
        return 0
    }
    displayText: {
        if (App.knowledgeChat.document === "") return qsTr("Search passages")
        var name = App.knowledgeChat.document.split("/").pop()
        return qsTr("Whole: %1").arg(name)
    }
    onActivated: function(index) {
        App.knowledgeChat.document = index === 0 ? "" : documents[index - 1].path
        App.requestFocus("composer")
    }
    Component.onCompleted: refresh()
    Connections {
        target: App.knowledgeChat
        function onCollectionChanged() { root.refresh() }
    }
    Connections {
        target: root.popup
        function onAboutToShow() { root.refresh() }
        function onOpened() { App.logEvent("document-picker-opened", { "documents": root.documents.length }) }
    }
    background: Rectangle {
        radius: Theme.radiusSmall
        color: root.hovered || root.popup.opened ? Theme.hover : "transparent"
        border.color: App.knowledgeChat.document !== "" ? Theme.accent : Theme.border
    }
    indicator: Icon {
        glyph: "chevron-down"
        size: 14
        color: Theme.textMuted
        x: root.width - width - 10
        y: (root.height - height) / 2
    }
    contentItem: Text {
        id: label
        leftPadding: 10
        text: root.displayText
        color: Theme.text
        elide: Text.ElideMiddle
        verticalAlignment: Text.AlignVCenter
    }
    TestProbe { target: root; name: "document-picker" }
    ToolTip.visible: hovered
    ToolTip.delay: 600
    ToolTip.text: qsTr("Answer from the best passages, or read one whole document for tasks like summarising or counting")
}
