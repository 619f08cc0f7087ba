import ArgumentParser
import Foundation
import Logging

/// `streamlstmd demo`: the daemon and a synthetic producer over real ZeroMQ
/// sockets on loopback, alerts printed live with a status line.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the daemon on a built-in synthetic stream over loopback ZeroMQ and print its alerts.",
        discussion: """
            Four series with daily-like cycles and noise; one gets a spike, one a lasting \
            level shift, one a dropout, one stays clean. The producer publishes them to the \
            daemon's input socket, the daemon's alerts are read back from its alert socket.
            """
    )

    @Option(help: "Samples per series.")
    var samples: Int = 3500

    @Option(help: "Samples per second per series (0: as fast as possible).")
    var rate: Double = 2000

    /// Seconds between the demo's synthetic samples (the producer's clock, not the wall's).
    static let interval = 300.0
    static let start = 1_700_000_000.0

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
        guard rate >= 0 else { throw ValidationError("--rate must be >= 0") }
    }

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        var engine = EngineConfig()
        engine.instance = "demo"
        engine.alerts.resendInterval = 24 * 3600
        // The demo's clock moves 300 s a sample: a cool-down of 100 samples keeps one incident (a
        // dropout and the recovery from it) to one alert, as the default 300 s does at real rates.
        engine.alerts.coolDown = 100 * Self.interval
        let runtime = try DaemonRuntime(config: .inProcess(engine), logger: Logger(label: "streamlstmd"))
        let printer = try AlertPrinter(endpoint: runtime.publisher.endpoint)

        var producer = SyntheticProducer()
        let total = samples * producer.series.count
        StatusLine.printAbove("streamlstmd demo: \(producer.series.count) series × \(samples) samples over \(runtime.inputs[0].endpoints[0]), "
              + "alerts from \(runtime.publisher.endpoint); warm-up \(engine.predictor.scorer.warmUp) samples")
        let sender: Producer
        do {
            sender = try Producer(connect: runtime.inputs[0].endpoints[0], lingerMilliseconds: 0)
        } catch {
            throw ValidationError("the daemon did not subscribe: \(error)")
        }

        let status = StatusLine()
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
        while runtime.engine.stats.snapshot.samples < total && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        sender.close()
        runtime.stop()
        let stats = runtime.engine.stats.snapshot
        printer.finish(expecting: stats.alertsFiring + stats.alertsResolved, deadline: Date().addingTimeInterval(5))
        status.clear()
        let seconds = Date().timeIntervalSince(started)
        let injected = producer.series.compactMap(\.incident.start).count
        StatusLine.printAbove(String(format: "done: %d samples in %.1f s (%.0f samples/s), %d incidents alerted for %d injected",
                     stats.samples, seconds, Double(stats.samples) / seconds, printer.incidents, injected))
    }
}

/// Prints one line when an incident starts and one when it resolves (re-sends are not repeated).
private final class AlertPrinter: Sendable {
    private let subscriber: AlertSubscriber
    private let started: Protected<Set<String>>

    var printed: Int { subscriber.received }
    var incidents: Int { started.withLock { $0.count } }

    init(endpoint: String) throws {
        let started = Protected(Set<String>())
        self.started = started
        subscriber = try AlertSubscriber(endpoint: endpoint) { alert in
            if alert.status == "firing" {
                guard started.withLock({ $0.insert(alert.series + alert.startsAt).inserted }) else { return }
            }
            let sample = Int(((alert.sampleTime - DemoCommand.start) / DemoCommand.interval).rounded())
            StatusLine.printAbove(String(format: "%@ sample %5d  %-20@ %-9@ %@  score %.3f (%@)",
                                         (alert.status == "firing" ? "ALERT   " : "RESOLVED") as NSString, sample,
                                         alert.series as NSString, alert.severity as NSString,
                                         alert.description as NSString, alert.score, alert.reason as NSString))
        }
    }

    func finish(expecting expected: Int, deadline: Date) {
        subscriber.stop(expecting: expected, deadline: deadline)
    }
}

/// A status line on standard error that rewrites itself on a terminal.
private final class StatusLine: Sendable {
    private let last = Protected(Date.distantPast)
    private static let terminal = isatty(STDERR_FILENO) != 0
    private let previous = Protected((Date(), 0))

    func show(_ stats: EngineStats, alerts: Int) {
        let now = Date()
        let due = last.withLock { shownAt -> Bool in
            guard now.timeIntervalSince(shownAt) >= 0.5 else { return false }
            shownAt = now
            return true
        }
        guard Self.terminal, due else { return }
        let samples = stats.snapshot.samples
        let rate = previous.withLock { old in
            defer { old = (now, samples) }
            return Double(samples - old.1) / max(now.timeIntervalSince(old.0), 1e-3)
        }
        let text = String(format: "\r%8.0f samples/s  %d series  %d alerts ", rate,
                          stats.series.load(ordering: .relaxed), alerts)
        FileHandle.standardError.write(Data(text.utf8))
    }

    func clear() {
        if Self.terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func printAbove(_ line: String) {
        let prefix = terminal ? "\r\u{1B}[K" : ""
        FileHandle.standardOutput.write(Data((prefix + line + "\n").utf8))
    }
}
