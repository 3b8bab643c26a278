import QtQuick
import Vole

// The window tests click with real input events. While the event log is on (--log), this
// reports where `target`'s centre is in window coordinates whenever that changes
// (event=layout item=<name> x=.. y=..). Inert otherwise.
Timer {
    id: probe
    property Item target
    property string name
    property string last: ""
    interval: 200
    repeat: true
    triggeredOnStart: true
    running: App.eventLogEnabled && target !== null
    onTriggered: {
        if (!target.visible || target.width <= 0) return
        var p = target.mapToItem(null, target.width / 2, target.height / 2)
        var where = Math.round(p.x) + "," + Math.round(p.y)
        if (where === last) return
        last = where
        App.logEvent("layout", { "item": name, "x": Math.round(p.x), "y": Math.round(p.y) })
    }
}
