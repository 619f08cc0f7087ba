import Logging
import ServiceLifecycle
import StreamLSTMVocabulary

/// The status line in the log (rate, totals, alerts), looked at every `interval` seconds (none for
/// 0): logged when a count changed since the last line, else once per `idleInterval`, so that an
/// idle daemon does not fill the journal with the same line.
package struct StatusLineService: Service {
    package let stats: EngineStats
    package let interval: Double
    package var idleInterval: Double = StatusLine.defaultIdleInterval
    package let logger: Logger

    package func run() async {
        guard interval > 0 else {
            // Nothing to log; a service that returned now would end the group.
            try? await gracefulShutdown()
            return
        }
        let clock = ContinuousClock()
        let start = clock.now
        var line = StatusLine(idleInterval: idleInterval, at: 0, stats.snapshot)
        while (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: .seconds(interval)) })) != nil {
            let elapsed = start.duration(to: clock.now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if let metadata = line.next(at: seconds, stats.snapshot, series: stats.series.load(ordering: .relaxed)) {
                logger.info("status", metadata: metadata)
            }
        }
    }
}

/// When the status line is due and what it says, on a clock the caller gives (seconds since any
/// start), so that the cadence can be tested without waiting for it.
package struct StatusLine {
    /// Five minutes: an idle daemon says it is alive this often.
    package static let defaultIdleInterval = 300.0

    package let idleInterval: Double
    /// What the last line said, and when: whether the next one is due.
    private var last: EngineStats.Snapshot
    private var lastSeries = -1
    private var lastTime: Double
    /// The counts at the last look, line or not: what the rate is taken over.
    private var previous: EngineStats.Snapshot
    private var previousTime: Double

    package init(idleInterval: Double, at time: Double, _ snapshot: EngineStats.Snapshot) {
        self.idleInterval = idleInterval
        last = snapshot
        lastTime = time
        previous = snapshot
        previousTime = time
    }

    /// The line's metadata if one is due at `time`: a count changed since the last line, or
    /// `idleInterval` passed without one. The rate is over the time since the last look (the last
    /// interval), not since the last line: after a quiet stretch it is the rate now.
    package mutating func next(at time: Double, _ now: EngineStats.Snapshot, series: Int) -> Logger.Metadata? {
        defer { (previous, previousTime) = (now, time) }
        guard now != last || series != lastSeries || time - lastTime >= idleInterval else { return nil }
        let seconds = max(time - previousTime, 1e-9)
        var metadata: Logger.Metadata = [
            "samples_per_s": "\(Int(Double(now.samples - previous.samples) / seconds))",
            "samples": "\(now.samples)",
            "series": "\(series)",
            "alerts": "\(now.alertsFiring + now.alertsResolved)",
        ]
        metadata.merge(now.rejectionMetadata) { $1 }
        (last, lastSeries, lastTime) = (now, series, time)
        return metadata
    }
}

extension EngineStats.Snapshot {
    /// `rejected` (the total) and `rejected_<reason>` for every reason that refused a sample: one
    /// scalar per key, as logfmt has it.
    package var rejectionMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["rejected": "\(totalRejected)"]
        for reason in RejectReason.allCases where rejected(reason) > 0 {
            metadata["rejected_\(reason.name)"] = "\(rejected(reason))"
        }
        return metadata
    }
}
