import Logging
import ServiceLifecycle

/// A status line in the log every `interval` seconds (none for 0): rate, totals, alerts.
package struct StatusLineService: Service {
    package let stats: EngineStats
    package let interval: Double
    package let logger: Logger

    package func run() async {
        guard interval > 0 else {
            // Nothing to log; a service that returned now would end the group.
            try? await gracefulShutdown()
            return
        }
        var before = stats.snapshot
        while (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: .seconds(interval)) })) != nil {
            let now = stats.snapshot
            logger.info(
                "status",
                metadata: [
                    "samples_per_s": "\(Int(Double(now.samples - before.samples) / interval))",
                    "samples": "\(now.samples)",
                    "series": "\(stats.series.load(ordering: .relaxed))",
                    "rejected": "\(now.totalRejected)",
                    "alerts": "\(now.alertsFiring + now.alertsResolved)",
                ])
            before = now
        }
    }
}
