import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// The conversation database could not be opened. Says why (the store's own message)
// and offers only the ways out that fit the problem; nothing is deleted by any of them.
Rectangle {
    id: root
    color: Theme.window
    // Swallow clicks meant for what is underneath.
    MouseArea { anchors.fill: parent; acceptedButtons: Qt.AllButtons; hoverEnabled: true }

    readonly property string problem: App.store.problem
    readonly property string advice: problem === "corrupt"
        ? qsTr("The database file is damaged. Vole has not changed it. You can read what is still readable, or move the file aside (it is renamed, not deleted) and start with an empty one.")
        : problem === "locked" ? qsTr("Another program, probably another Vole window, is using the database. Close it and try again.")
        : problem === "disk full" ? qsTr("The disk is full. Nothing saved so far is lost; free some space and try again.")
        : problem === "read-only" ? qsTr("Vole is not allowed to write to the database or its folder. Fix the permissions and try again, or open it read-only.")
        : problem === "no directory" ? qsTr("The data folder is missing and could not be created. Check the data folder in Settings.")
        : problem === "too new" ? qsTr("The database was written by a newer version of Vole. Update Vole, or open it read-only.")
        : qsTr("The operating system reported an error. Try again, or continue without saving.")

    ColumnLayout {
        anchors.centerIn: parent
        width: Math.min(parent.width - 64, 600)
        spacing: 14
        RowLayout {
            spacing: 12
            Icon { glyph: "database"; size: 34; color: Theme.danger }
            Text {
                text: qsTr("Vole can't open your conversations")
                font.pixelSize: Theme.fontTitle
                font.weight: Font.DemiBold
                color: Theme.text
                Layout.fillWidth: true
                wrapMode: Text.Wrap
            }
        }
        Text {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            text: root.advice
            color: Theme.text
        }
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: detail.implicitHeight + 20
            radius: Theme.radiusSmall
            color: Theme.surfaceAlt
            border.color: Theme.border
            TextEdit {
                id: detail
                x: 10; y: 10
                width: parent.width - 20
                text: App.store.message
                readOnly: true
                selectByMouse: true
                wrapMode: TextEdit.Wrap
                font.family: Theme.monospace
                font.pixelSize: Theme.fontSmall
                color: Theme.textMuted
            }
        }
        Flow {
            Layout.fillWidth: true
            spacing: 8
            VButton {
                visible: App.store.canRetry
                primary: true
                text: qsTr("Try again")
                onClicked: App.store.open()
            }
            VButton {
                visible: App.store.canReadOnly
                primary: !App.store.canRetry
                text: qsTr("Open read-only")
                onClicked: App.store.openReadOnly()
            }
            VButton {
                visible: App.store.canMoveAside
                danger: true
                text: qsTr("Move it aside and start fresh")
                onClicked: App.store.moveAsideAndStartFresh()
            }
            VButton {
                text: qsTr("Continue without saving")
                onClicked: App.store.openInMemory()
            }
            VButton {
                text: qsTr("Quit")
                onClicked: Qt.quit()
            }
        }
        Text {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            text: qsTr("Database: %1").arg(App.store.path)
            color: Theme.textFaint
            font.pixelSize: Theme.fontSmall
        }
    }
}
