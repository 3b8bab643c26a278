import QtQuick
import Vole

// The window tests click with real input events. While the event log is on (--log), this
// reports where `target`'s centre is in window coordinates (event=layout after=N item=..
// x=.. y=..), only once the position has held for a whole interval (never mid-move), and
// again whenever more events have been logged: `after` is the number of events logged
// before that interval began, so the test can wait for a position measured after the
// events it has seen. Inert otherwise.
Timer {
    id: probe
    property Item target
    property string name
    property string previous: ""  // the position one interval ago
    property real previousEvents: -1
    property string reported: ""
    property real reportedAfter: -1
    interval: 200
    repeat: true
    triggeredOnStart: true
    running: App.eventLogEnabled && target !== null
    onTriggered: {
        if (!target.visible || target.width <= 0) {
            previous = ""
            return
        }
        var p = target.mapToItem(null, target.width / 2, target.height / 2)
        var where = Math.round(p.x) + "," + Math.round(p.y)
        var held = where === previous
        var after = previousEvents
        previous = where
        previousEvents = App.eventsLogged()
        if (!held || (where === reported && after === reportedAfter)) return
        reported = where
        reportedAfter = after
        App.logEvent("layout", { "after": after, "item": name, "x": Math.round(p.x), "y": Math.round(p.y) })
    }
}
