/// Where the alerts the series raise go: the ZeroMQ publisher, the Alertmanager book, a replay's
/// log and socket, a test's list. Called on a shard's thread for every notice, so it must not wait
/// for the network or for another thread for long.
package protocol AlertSink: Sendable {
    func take(_ alert: Alert)
}

/// Several sinks, each given every alert, in the order listed (the daemon: the publisher, then the
/// Alertmanager book).
package struct AlertFanOut: AlertSink {
    package let sinks: [any AlertSink]

    package init(_ sinks: [any AlertSink]) {
        self.sinks = sinks
    }

    package func take(_ alert: Alert) {
        for sink in sinks { sink.take(alert) }
    }
}

/// A function as a sink: for tests and benchmarks that look at the alerts themselves.
package struct AlertHandler: AlertSink {
    package let handle: @Sendable (Alert) -> Void

    package init(_ handle: @escaping @Sendable (Alert) -> Void) {
        self.handle = handle
    }

    package func take(_ alert: Alert) { handle(alert) }
}
