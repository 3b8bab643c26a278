import QtQuick
import QtQuick.Controls.impl
import Vole
import Vole.Style

// A monochrome icon from qml/icons, tinted with `color`.
IconImage {
    property string glyph
    property int size: 18
    source: glyph ? "qrc:/qml/icons/" + glyph + ".svg" : ""
    sourceSize: Qt.size(size, size)
    width: size
    height: size
    color: Theme.text
}
