pragma Singleton
import QtQuick
import Vole

// Colours, sizes and fonts for both themes. Everything visual reads from here.
QtObject {
    readonly property bool dark: App.darkTheme

    // surfaces
    readonly property color window: dark ? "#16181b" : "#f7f7f5"
    readonly property color rail: dark ? "#101214" : "#ecece8"
    readonly property color sidebar: dark ? "#1c1f23" : "#f0f0ec"
    readonly property color surface: dark ? "#22262b" : "#ffffff"
    readonly property color surfaceAlt: dark ? "#2a2f35" : "#f2f2ef"
    readonly property color hover: dark ? "#2c3137" : "#e6e6e1"
    readonly property color selected: dark ? "#323941" : "#dfe6e2"
    readonly property color border: dark ? "#353b42" : "#dcdcd6"
    readonly property color userBubble: dark ? "#2d3a34" : "#e3efe9"
    readonly property color codeBackground: dark ? "#0f1113" : "#f4f5f3"
    readonly property color codeHeader: dark ? "#1b1e21" : "#e9ebe7"

    // text
    readonly property color text: dark ? "#e7e9ea" : "#1d2023"
    readonly property color textMuted: dark ? "#9aa2ab" : "#666d73"
    readonly property color textFaint: dark ? "#6f7780" : "#8d9398"
    readonly property color placeholder: dark ? "#7a828a" : "#90969b"

    // accents and states
    readonly property color accent: dark ? "#5fbf98" : "#2e7d5f"
    readonly property color accentHover: dark ? "#74cfa9" : "#276b51"
    readonly property color accentInk: dark ? "#0d1a14" : "#ffffff"
    readonly property color accentSoft: dark ? "#1f3a2f" : "#dcefe6"
    readonly property color link: dark ? "#7cc7f0" : "#1c6fb0"
    readonly property color danger: dark ? "#f07a7a" : "#b42318"
    readonly property color dangerSoft: dark ? "#3a2323" : "#fdecea"
    readonly property color warning: dark ? "#f0c674" : "#8a5a00"
    readonly property color warningSoft: dark ? "#3a321f" : "#fff4d6"
    readonly property color infoSoft: dark ? "#1f2d3a" : "#e8f1fb"
    readonly property color searchHighlight: dark ? "#6b5a1e" : "#ffe58a"
    readonly property color selection: dark ? "#2f5e4c" : "#b9dccd"

    // sizes
    readonly property int radius: 10
    readonly property int radiusSmall: 6
    readonly property int spacing: 12
    readonly property int railWidth: 68
    readonly property int sidebarWidth: 272
    readonly property int contentWidth: 780  // reading width of the conversation

    // fonts
    readonly property int fontSize: 14
    readonly property int fontSmall: 12
    readonly property int fontLarge: 17
    readonly property int fontTitle: 22
    readonly property string monospace: "monospace"
}
