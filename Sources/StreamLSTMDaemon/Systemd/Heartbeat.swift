import Foundation
import Logging

/// Tells systemd the daemon is alive and what it is doing: `WATCHDOG=1` at
/// half of `$WATCHDOG_USEC`, but only when every shard has just answered a
/// ping (a stuck shard stops the keep-alives, and systemd restarts us), and
/// a `STATUS=` line with series and rates.
package final class Heartbeat: Sendable {
    private let stopping = DispatchSemaphore(value: 0)
    private let thread: OwnedThread<Void>

    package init(notifier: SystemdNotifier, engine: Engine, watchdogInterval: Double?, logger: Logger) {
        let interval = min(watchdogInterval ?? 5, 5)
        let stopping = self.stopping
        thread = OwnedThread(name: "systemd-heartbeat") {
            var previous = engine.stats.snapshot
            var previousTime = Date()
            var stuck = false
            while stopping.wait(timeout: .now() + interval) == .timedOut {
                if watchdogInterval != nil {
                    if engine.shardsResponsive(within: interval) {
                        notifier.send("WATCHDOG=1")
                        if stuck { logger.notice("shards respond again; watchdog keep-alives resume") }
                        stuck = false
                    } else if !stuck {
                        stuck = true
                        logger.error("a shard did not answer within \(interval) s; no watchdog keep-alive")
                    }
                }
                let now = engine.stats.snapshot
                let time = Date()
                let rate = Double(now.samples - previous.samples) / max(time.timeIntervalSince(previousTime), 1e-3)
                notifier.send(
                    "STATUS=\(counted(engine.stats.series.load(ordering: .relaxed), "series")), "
                        + "\(Int(rate)) samples/s, \(counted(now.incidents, "alert")) "
                        + "(\(now.alertsFiring - now.incidents) re-sent), \(counted(now.totalRejected, "sample")) rejected"
                )
                (previous, previousTime) = (now, time)
            }
        }
    }

    /// Ends the heartbeat (within one shard ping at most).
    package func stop() async {
        stopping.signal()
        await thread.value
    }
}
