import Foundation
import StreamLSTM
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// The built daemon delivering to Debian's real Alertmanager, started by each test on free
/// loopback ports; what Alertmanager holds is read from its own `/api/v2/alerts`.
@Suite("Alertmanager: the built daemon against a real one")
struct AlertmanagerTests {
    /// Seconds between re-sends to Alertmanager in these tests (60 by default).
    static let resend = 1.0

    /// One sample a minute of a calm, noisy sine for `series`, ending `minutesAgo` before now, with a
    /// spike of 30 at each index of `spikes`: Graphite lines, in messages of 50.
    static func stream(
        _ series: String, count: Int, spikes: Set<Int> = [], endingMinutesAgo minutesAgo: Int,
        from first: Int = 0, seed: UInt64 = 7
    ) -> (messages: [String], times: [Double]) {
        var rng = SplitMix64(seed: seed)
        let start = (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - Double(60 * (minutesAgo + first + count))
        var lines: [String] = []
        var times: [Double] = []
        for t in 0..<(first + count) {
            let value = 10 + sin(Double(t) / 10) + 0.1 * rng.gaussian() + (spikes.contains(t) ? 30 : 0)
            guard t >= first else { continue }
            let time = start + Double(60 * t)
            lines.append("\(series) \(value) \(Int(time))")
            times.append(time)
        }
        let messages = stride(from: 0, to: lines.count, by: 50).map {
            lines[$0..<min($0 + 50, lines.count)].joined(separator: "\n")
        }
        return (messages, times)
    }

    /// Python's http.server answering every request with `status` (Interop/status_server.py), and its URL.
    /// The server ends when its process is terminated or released.
    static func statusServer(_ status: Int) throws -> (process: RunningDaemon, url: String) {
        let server = try RunningDaemon(
            ["python3", interopScript("status_server.py").path, "\(status)"],
            executable: URL(fileURLWithPath: "/usr/bin/env"))
        return (server, "http://127.0.0.1:\(try server.waitForOutput())")
    }

    static func send(_ messages: [String], to input: String) throws {
        let producer = try Producer(connect: input)
        for message in messages { try producer.send(message) }
        producer.close()
    }

    static func date(_ text: Any?) -> Double? {
        guard let text = text as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return (formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text))?.timeIntervalSince1970
    }

    @Test("A Graphite tag name Prometheus would refuse (host-name) reaches Alertmanager mapped, with its alert")
    func invalidLabelNameMapped() throws {
        let alertmanager = try AlertmanagerServer()
        let daemon = try LoopbackDaemon(urls: [alertmanager.url])
        let key = #"am.disk{host_name="web-1"}"#
        let firing = Self.stream("am.disk;host-name=web-1", count: 601, spikes: [600], endingMinutesAgo: 40)
        try Self.send(firing.messages, to: daemon.input)
        try waitUntil("the alert in Alertmanager") { try !alertmanager.alerts(series: key).isEmpty }
        let labels = try #require(alertmanager.alerts(series: key).first?["labels"] as? [String: String])
        #expect(labels["host_name"] == "web-1" && labels["series"] == key && labels["host-name"] == nil)
    }

    @Test(
        "A spike appears in Alertmanager with the daemon's labels, annotations and a link it answers; calm resolves it")
    func spikeAppearsAndResolves() throws {
        let alertmanager = try AlertmanagerServer()
        let daemon = try LoopbackDaemon(urls: [alertmanager.url])
        let series = "am.cpu;host=web-1"
        let key = #"am.cpu{host="web-1"}"#
        let firing = Self.stream(series, count: 601, spikes: [600], endingMinutesAgo: 40)
        try Self.send(firing.messages, to: daemon.input)
        try waitUntil("the alert in Alertmanager") { try !alertmanager.alerts(series: key).isEmpty }
        let alert = try #require(alertmanager.alerts(series: key).first)
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["alertname"] == "MetricAnomaly" && labels["metric"] == "am.cpu" && labels["host"] == "web-1")
        #expect(labels["instance"] == "am-test" && ["warning", "critical"].contains(labels["severity"] ?? ""))
        let annotations = try #require(alert["annotations"] as? [String: String])
        for name in ["summary", "description", "value", "forecast", "band", "score", "reason", "model_version"] {
            #expect(annotations[name]?.isEmpty == false, "annotation \(name): \(annotations)")
        }
        #expect((alert["status"] as? [String: Any])?["state"] as? String == "active")
        #expect(Self.date(alert["startsAt"]) == firing.times.last)
        #expect((Self.date(alert["endsAt"]) ?? 0) > Date().timeIntervalSince1970, "a firing alert ends in the future")
        // The link goes to this series on the daemon, and the daemon answers with that series alone.
        let link = try #require(URLComponents(string: alert["generatorURL"] as? String ?? ""))
        #expect(link.host == "127.0.0.1" && "127.0.0.1:\(link.port ?? 0)" == daemon.http && link.path == "/series")
        let answer = try httpGet(daemon.http, "/series?" + (link.percentEncodedQuery ?? ""))
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [[String: Any]])
        #expect(
            listed.count == 1 && listed.first?["series"] as? String == key
                && listed.first?["alert"] as? String == "firing")

        let calm = Self.stream(series, count: 40, spikes: [600], endingMinutesAgo: 0, from: 601)
        try Self.send(calm.messages, to: daemon.input)
        try waitUntil("the alert resolved in Alertmanager (no longer active)") {
            try alertmanager.alerts(series: key).isEmpty
        }
        #expect(try daemon.notifications("sent_total", alertmanager.url) >= 2)
        #expect(try daemon.notifications("errors_total", alertmanager.url) == 0)
        #expect(try daemon.notifications("queue_capacity", alertmanager.url) == 10_000)
    }

    @Test("Two Alertmanagers configured: both get the alert")
    func everyAlertmanagerGetsIt() throws {
        let first = try AlertmanagerServer()
        let second = try AlertmanagerServer()
        let daemon = try LoopbackDaemon(urls: [first.url, second.url])
        try Self.send(Self.stream("am.two", count: 601, spikes: [600], endingMinutesAgo: 5).messages, to: daemon.input)
        try waitUntil("the alert in both Alertmanagers") {
            try !first.alerts(series: "am.two").isEmpty && !second.alerts(series: "am.two").isEmpty
        }
    }

    @Test(
        "Alertmanager down when the alert fires: it gets it within a re-send interval of starting; the failures are counted"
    )
    func alertmanagerDownAtFirst() throws {
        let alertmanager = try AlertmanagerServer(start: false)
        let daemon = try LoopbackDaemon(urls: [alertmanager.url])
        try Self.send(Self.stream("am.late", count: 601, spikes: [600], endingMinutesAgo: 5).messages, to: daemon.input)
        _ = try daemon.process.waitForLog("Alertmanager unreachable")
        // An outage long enough for the backoff to reach its cap (the re-send interval): six failed attempts.
        try waitUntil("failed attempts counted") {
            try daemon.notifications("errors_total", alertmanager.url) >= 6
        }
        try alertmanager.start()
        let up = Date()
        try waitUntil("the alert after Alertmanager came up", timeout: Self.resend + 10) {
            try !alertmanager.alerts(series: "am.late").isEmpty
        }
        let seconds = Date().timeIntervalSince(up)
        print(
            "Alertmanager up to alert shown: \(String(format: "%.2f", seconds)) s (re-send interval \(Self.resend) s)")
        #expect(seconds <= Self.resend + 3, "the backoff is bounded by the re-send interval")
        #expect(try daemon.notifications("queue_length", alertmanager.url) == 0)
    }

    @Test("Alertmanager restarted (it keeps alerts in memory only): the firing alert is back within a re-send interval")
    func alertmanagerRestarted() throws {
        let alertmanager = try AlertmanagerServer()
        let daemon = try LoopbackDaemon(urls: [alertmanager.url])
        try Self.send(
            Self.stream("am.restart", count: 601, spikes: [600], endingMinutesAgo: 5).messages, to: daemon.input)
        try waitUntil("the alert in Alertmanager") { try !alertmanager.alerts(series: "am.restart").isEmpty }
        let before = try #require(alertmanager.alerts(series: "am.restart").first)
        try alertmanager.stop()
        try alertmanager.start()
        let up = Date()
        try waitUntil("the alert back", timeout: Self.resend + 10) {
            try !alertmanager.alerts(series: "am.restart").isEmpty
        }
        #expect(Date().timeIntervalSince(up) <= Self.resend + 3)
        let after = try #require(alertmanager.alerts(series: "am.restart").first)
        #expect(Self.date(after["startsAt"]) == Self.date(before["startsAt"]))
    }

    @Test("The daemon killed while firing and restarted from its checkpoint: one alert, with the original start")
    func restartFromCheckpoint() throws {
        let alertmanager = try AlertmanagerServer()
        let state = try makeTemporaryFolder("am-state")
        defer { try? FileManager.default.removeItem(at: state) }
        let stream = Self.stream("am.ckpt", count: 601, spikes: [600], endingMinutesAgo: 5)
        do {
            let first = try LoopbackDaemon(urls: [alertmanager.url], stateDirectory: state)
            try Self.send(stream.messages, to: first.input)
            try waitUntil("the alert in Alertmanager") { try !alertmanager.alerts(series: "am.ckpt").isEmpty }
            try waitUntil("a checkpoint with the series firing") {
                let bytes = (try? Data(contentsOf: state.appendingPathComponent("series.ckpt"))).map(Array.init) ?? []
                return CheckpointFile.read(bytes, config: EngineConfig().predictor).snapshots
                    .contains { $0.key == "am.ckpt" && $0.record.alert.isFiring }
            }
            first.process.signal(SIGKILL)
            #expect(first.process.waitForExit(timeout: 10))
        }
        // An Alertmanager that lost its memory too: only the restarted daemon can tell it.
        try alertmanager.stop()
        try alertmanager.start()
        let second = try LoopbackDaemon(urls: [alertmanager.url], stateDirectory: state)
        _ = try second.process.waitForLog("restored")
        try waitUntil("the restored alert in Alertmanager") { try !alertmanager.alerts(series: "am.ckpt").isEmpty }
        let shown = try alertmanager.alerts(series: "am.ckpt")
        #expect(shown.count == 1)
        #expect(Self.date(shown.first?["startsAt"]) == stream.times.last, "the original start, not the restart's time")
    }

    @Test("An unreachable Alertmanager and one that answers 500 do not slow detection; both are counted as errors")
    func failingAlertmanagersDoNotSlowDetection() throws {
        let blackHole = try SilentListener()  // takes connections, never answers: every request times out
        defer { blackHole.close() }
        let (failing, failingURL) = try Self.statusServer(500)
        defer { _ = try? failing.terminate() }
        let blackHoleURL = "http://127.0.0.1:\(blackHole.port)"
        let timeout = 3.0
        var worst: [String: Double] = [:]
        for (name, urls) in [("no sink", [String]()), ("failing sinks", [blackHoleURL, failingURL])] {
            let daemon = try LoopbackDaemon(urls: urls, timeout: timeout)
            let received = Protected<[ReceivedAlert]>([])
            let subscriber = try AlertSubscriber(endpoint: daemon.alerts) { alert in
                received.withLock { $0.append(alert) }
            }
            defer { subscriber.stop() }
            let stream = Self.stream("am.fast", count: 900, spikes: [600, 700, 800], endingMinutesAgo: 5)
            let producer = try Producer(connect: daemon.input)
            defer { producer.close() }
            var latencies: [Double] = []
            // Message by message; each spike's message timed from send to its alert on the ZeroMQ socket.
            for (index, message) in stream.messages.enumerated() {
                let sent = Date()
                try producer.send(message)
                let spikes = [600, 700, 800].filter { $0 / 50 == index }
                for spike in spikes {
                    try waitUntil("the alert of the spike at \(spike)", poll: 0.001) {
                        received.withLock {
                            $0.contains { $0.status == "firing" && $0.sampleTime == stream.times[spike] }
                        }
                    }
                    latencies.append(Date().timeIntervalSince(sent))
                }
            }
            worst[name] = latencies.max() ?? .nan
            if !urls.isEmpty {
                try waitUntil("errors counted for both") {
                    try daemon.notifications("errors_total", blackHoleURL) >= 1
                        && daemon.notifications("errors_total", failingURL) >= 1
                }
            }
        }
        print(
            "worst publish-to-alert latency: no sink \(worst["no sink"]!) s, failing sinks \(worst["failing sinks"]!) s"
        )
        #expect(
            worst["failing sinks"]! < timeout / 2, "detection waited for a sink whose requests time out in \(timeout) s"
        )
    }

    static let exampleRoute = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../deploy/alertmanager-route.yml").standardized

    @Test(
        "The README's example route: amtool accepts it, and a real Alertmanager routes the daemon's alerts by severity")
    func exampleRoute() throws {
        let amtool = URL(fileURLWithPath: "/usr/bin/amtool")
        let check = try BuiltBinary.run(["check-config", Self.exampleRoute.path], executable: amtool)
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
        let routes = [
            ("MetricAnomaly", "critical", "pager"), ("MetricAnomaly", "warning", "team-chat"),
            ("MetricAbsent", "critical", "pager"), ("ProducerAbsent", "critical", "pager"),
        ]
        for (name, severity, receiver) in routes {
            let routed = try BuiltBinary.run(
                [
                    "config", "routes", "test", "--config.file=\(Self.exampleRoute.path)", "alertname=\(name)",
                    "severity=\(severity)",
                ], executable: amtool)
            #expect(routed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == receiver, "\(name)")
        }
        let alertmanager = try AlertmanagerServer(configuration: String(contentsOf: Self.exampleRoute, encoding: .utf8))
        let daemon = try LoopbackDaemon(urls: [alertmanager.url])
        try Self.send(
            Self.stream("am.routed", count: 601, spikes: [600], endingMinutesAgo: 5).messages, to: daemon.input)
        try waitUntil("the alert in Alertmanager") { try !alertmanager.alerts(series: "am.routed").isEmpty }
        let alert = try #require(alertmanager.alerts(series: "am.routed").first)
        let severity = (alert["labels"] as? [String: String])?["severity"]
        let receivers = (alert["receivers"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(receivers == [severity == "critical" ? "pager" : "team-chat"], "\(alert)")
    }

    @Test("A 400 (Alertmanager refusing the alerts) is logged once with its message and not retried blindly")
    func refusalLoggedOnce() throws {
        let (refusing, url) = try Self.statusServer(400)
        defer { _ = try? refusing.terminate() }
        let daemon = try LoopbackDaemon(urls: [url])
        try Self.send(
            Self.stream("am.refused", count: 601, spikes: [600], endingMinutesAgo: 5).messages, to: daemon.input)
        // Sent again only as re-sends fall due (every second here), never in a tight loop.
        try waitUntil("three refusals") { try daemon.notifications("errors_total", url) >= 3 }
        let started = Date()
        let before = try daemon.notifications("errors_total", url)
        try waitUntil("two more re-sends") { try daemon.notifications("errors_total", url) >= before + 2 }
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds >= Self.resend, "refused alerts were retried \(before) times at once")
        let refusals = daemon.process.log.components(separatedBy: "Alertmanager refused the alerts").count - 1
        #expect(refusals == 1, "\(daemon.process.log)")
        #expect(daemon.process.log.contains("not today"), "Alertmanager's message is in the log")
    }
}

extension LoopbackDaemon {
    /// Delivering to `urls`, re-sending every `AlertmanagerTests.resend` seconds.
    fileprivate init(urls: [String], timeout: Double = 2, stateDirectory: URL? = nil) throws {
        try self.init(
            configuration: """
                alerts:
                  resend_interval: 100000
                alertmanager:
                  urls: \(Self.yamlList(urls))
                  resend_interval: \(AlertmanagerTests.resend)
                  timeout: \(timeout)
                checkpoint_interval: 1
                """,
            instance: "am-test", stateDirectory: stateDirectory)
    }

    /// A counter or gauge of `/metrics` for one Alertmanager.
    fileprivate func notifications(_ name: String, _ url: String) throws -> Double {
        try metricValue(http, "streamlstmd_notifications_\(name)", [#"alertmanager="\#(url)""#])
    }
}
