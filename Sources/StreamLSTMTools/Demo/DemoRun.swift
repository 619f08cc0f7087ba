import Foundation
import Logging
import StreamLSTMDaemon

/// The demo: a daemon in this process and the synthetic producer over real
/// ZeroMQ sockets on loopback, its alerts read back from the alert socket and
/// printed as they come, with a status line.
package struct DemoRun {
    package init(samples: Int, rate: Double, alertmanagerURLs: [String] = []) {
        self.samples = samples
        self.rate = rate
        self.alertmanagerURLs = alertmanagerURLs
    }

    /// Samples per series.
    package let samples: Int
    /// Samples per second per series (0: as fast as possible).
    package let rate: Double
    /// Alertmanagers that get the demo's alerts too.
    package var alertmanagerURLs: [String] = []

    /// Seconds between the demo's synthetic samples (the producer's clock, not the wall's).
    package static let interval = 300.0
    package static let start = 1_700_000_000.0

    package func run() async throws {
        var engine = EngineConfig()
        engine.instance = "demo"
        engine.alerts.resendInterval = 24 * 3600
        // The demo's clock moves 300 s a sample: a cool-down of 100 samples keeps one incident (a
        // dropout and the recovery from it) to one alert, as the default 300 s does at real rates.
        engine.alerts.coolDown = 100 * Self.interval
        var config = DaemonConfig.inProcess(engine)
        config.alertmanager.urls = alertmanagerURLs
        // The demo's clock runs 300 s a sample: its incidents start and end within a second of wall time.
        config.alertmanager.resendInterval = 5
        let samples = self.samples
        let rate = self.rate
        let alertmanagerURLs = self.alertmanagerURLs
        let warmUp = engine.predictor.scorer.warmUp
        // The producer and the printing run while the daemon does; it stops once they are done.
        let (printer, status, started, engineStats) = try await DaemonService.withRunning(
            config: config, logger: Logger(label: "streamlstmd")
        ) { runtime in
            let printer = try AlertPrinter(endpoint: runtime.publisher.endpoint)
            var producer = SyntheticProducer()
            let total = samples * producer.series.count
            DemoStatusLine.printAbove(
                "streamlstmd demo: \(producer.series.count) series × \(samples) samples over \(runtime.inputs[0].endpoints[0]), "
                    + "alerts from \(runtime.publisher.endpoint)"
                    + (alertmanagerURLs.isEmpty ? "" : " and to \(alertmanagerURLs.joined(separator: ", "))")
                    + "; warm-up \(warmUp) samples")
            let sender: Producer
            do {
                sender = try Producer(connect: runtime.inputs[0].endpoints[0], lingerMilliseconds: 0)
            } catch {
                throw InProcessDaemonFailure.didNotSubscribe(error)
            }

            let status = DemoStatusLine()
            let started = Date()
            for t in 0..<samples {
                let timestamp = Self.start + Double(t) * Self.interval
                let lines = producer.series.indices.map { index in
                    "\(producer.series[index].name) \(producer.value(series: index, at: t)) \(Int(timestamp))"
                }
                try sender.send(lines.joined(separator: "\n"))
                if rate > 0 {
                    let due = started.addingTimeInterval(Double(t + 1) / rate).timeIntervalSinceNow
                    if due > 0 { Thread.sleep(forTimeInterval: due) }
                }
                status.show(runtime.engine.stats, alerts: printer.printed)
            }
            // Every sample processed, every alert printed; each wait bounded.
            let deadline = Date().addingTimeInterval(60)
            while runtime.engine.stats.snapshot.samples < total && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.01)
            }
            sender.close()
            return (printer, status, started, runtime.engine.stats)
        }
        let stats = engineStats.snapshot
        printer.finish(expecting: stats.alertsFiring + stats.alertsResolved, deadline: Date().addingTimeInterval(5))
        status.clear()
        let seconds = Date().timeIntervalSince(started)
        let injected = SyntheticProducer().series.compactMap(\.incident.start).count
        DemoStatusLine.printAbove(
            String(
                format: "done: %d samples in %.1f s (%.0f samples/s), %d incidents alerted for %d injected",
                stats.samples, seconds, Double(stats.samples) / seconds, printer.incidents, injected))
    }
}
