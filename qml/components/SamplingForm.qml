import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Vole
import Vole.Style

// Sampling parameters of a SamplingValues object (the app's defaults or one chat's).
ColumnLayout {
    id: root
    property var values
    spacing: 14

    SettingRow {
        label: qsTr("Temperature")
        help: qsTr("Higher is more varied, lower more focused; 0 always picks the likeliest word.")
        ValueSlider {
            from: 0; to: 2; stepSize: 0.05
            value: root.values ? root.values.temperature : 0
            onMoved: (v) => root.values.temperature = v
        }
    }
    SettingRow {
        label: qsTr("Top-p")
        help: qsTr("Samples from the smallest set of words whose probabilities add up to this.")
        ValueSlider {
            from: 0.05; to: 1; stepSize: 0.01
            value: root.values ? root.values.topP : 1
            onMoved: (v) => root.values.topP = v
        }
    }
    SettingRow {
        label: qsTr("Top-k")
        help: qsTr("Considers only this many of the likeliest words (0: no limit).")
        SpinBox {
            Layout.fillWidth: true
            from: 0; to: 200
            editable: true
            value: root.values ? root.values.topK : 0
            onValueModified: root.values.topK = value
        }
    }
    SettingRow {
        label: qsTr("Min-p")
        help: qsTr("Drops words less likely than this fraction of the likeliest one.")
        ValueSlider {
            from: 0; to: 0.5; stepSize: 0.01
            value: root.values ? root.values.minP : 0
            onMoved: (v) => root.values.minP = v
        }
    }
    SettingRow {
        label: qsTr("Repetition penalty")
        help: qsTr("Above 1 discourages repeating recent words.")
        ValueSlider {
            from: 0.8; to: 2; stepSize: 0.01
            value: root.values ? root.values.repetitionPenalty : 1
            onMoved: (v) => root.values.repetitionPenalty = v
        }
    }
    SettingRow {
        label: qsTr("Presence penalty")
        help: qsTr("Above 0 nudges the model toward new topics.")
        ValueSlider {
            from: 0; to: 2; stepSize: 0.05
            value: root.values ? root.values.presencePenalty : 0
            onMoved: (v) => root.values.presencePenalty = v
        }
    }
    SettingRow {
        label: qsTr("Maximum answer length")
        help: qsTr("In tokens (about ¾ of a word each).")
        SpinBox {
            Layout.fillWidth: true
            from: 16; to: 32768; stepSize: 256
            editable: true
            value: root.values ? root.values.maxTokens : 2048
            onValueModified: root.values.maxTokens = value
        }
    }
}
