import Foundation
import StreamLSTM
import StreamLSTMTesting
import Testing

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Absence, storms and expiry in the built daemon (against a real Alertmanager) and in `replay`.
@Suite("Series that go quiet or away: the built daemon")
struct AbsenceDaemonTests {
    /// Samples of `series` every `step` seconds of their own clock, ending now, a calm noisy sine with
    /// a spike of 30 at each index of `spikes`: Graphite lines with decimal timestamps, in messages of 50.
    static func stream(_ series: String, count: Int, step: Double = 0.05, spikes: Set<Int> = [], from first: Int = 0)
        -> [String]
    {
        var rng = SplitMix64(seed: 5)
        let start = Date().timeIntervalSince1970 - step * Double(count)
        var lines: [String] = []
        for t in 0..<count {
            let value = 10 + sin(Double(first + t) / 10) + 0.1 * rng.gaussian() + (spikes.contains(t) ? 30 : 0)
            lines.append("\(series) \(value) \(String(format: "%.3f", start + step * Double(t)))")
        }
        return stride(from: 0, to: lines.count, by: 50).map {
            lines[$0..<min($0 + 50, lines.count)].joined(separator: "\n")
        }
    }

    static func send(_ messages: [String], to input: String) throws {
        let producer = try Producer(connect: input)
        for message in messages { try producer.send(message) }
        producer.close()
    }

    /// A daemon on loopback that judges silence after 2 s (samples every 50 ms learn a cadence far below it).
    static func daemon(alertmanager: String?, stateDirectory: URL? = nil, extra: String = "") throws -> (
        process: RunningDaemon, endpoints: RunningDaemon.LoopbackEndpoints
    ) {
        var configuration = """
            alerts:
              resend_interval: 100000
              resolve_samples: 100000
            absent:
              after: 10
              min_seconds: 2
            checkpoint_interval: 1
            \(extra)
            """
        if let alertmanager {
            configuration += "\nalertmanager:\n  urls: [\"\(alertmanager)\"]\n  resend_interval: 1\n"
        }
        let process = try RunningDaemon.onLoopback(
            configuration: configuration, instance: "absence-test", stateDirectory: stateDirectory)
        return (process, try process.loopbackEndpoints())
    }

    static func named(_ alerts: [[String: Any]], _ name: String) -> [[String: Any]] {
        alerts.filter { ($0["labels"] as? [String: String])?["alertname"] == name }
    }

    static func seriesField(_ http: String, _ key: String, _ field: String) throws -> Any? {
        let path = "/series?key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)
        return try httpGetList(http, path).first?[field]
    }

    @Test(
        "A series that stops: its firing anomaly alert resolves in Alertmanager, MetricAbsent fires there; it returns, that resolves"
    )
    func absentInAlertmanager() throws {
        let alertmanager = try AlertmanagerServer()
        let (daemon, endpoints) = try Self.daemon(alertmanager: alertmanager.url)
        let key = "quiet.cpu"
        let producer = try Producer(connect: endpoints.input)
        for message in Self.stream(key, count: 601, spikes: [600]) { try producer.send(message) }
        // Kept alive (a calm sample every 0.2 s) until Alertmanager shows the spike's alert.
        try waitUntil("the anomaly alert active in Alertmanager", timeout: 60, poll: 0.2) {
            try producer.send("\(key) 10 \(String(format: "%.3f", Date().timeIntervalSince1970))")
            return !Self.named(try alertmanager.alerts(series: key), "MetricAnomaly").isEmpty
        }
        let stopped = Date().timeIntervalSince1970
        try waitUntil("MetricAbsent active in Alertmanager", timeout: 30) {
            !Self.named(try alertmanager.alerts(series: key), "MetricAbsent").isEmpty
        }
        let noticed = Date().timeIntervalSince1970 - stopped
        #expect(noticed >= 2 && noticed < 10, "absent after \(noticed) s; min_seconds is 2")
        try waitUntil("the anomaly alert no longer active", timeout: 30) {
            Self.named(try alertmanager.alerts(series: key), "MetricAnomaly").isEmpty
        }
        let absent = try #require(Self.named(try alertmanager.alerts(series: key), "MetricAbsent").first)
        let annotations = try #require(absent["annotations"] as? [String: String])
        #expect(annotations["reason"] == "absent" && annotations["value"] == "10.0", "\(annotations)")
        let lastSeen = try #require(AlertmanagerTests.date(annotations["last_seen"]))
        #expect(abs(lastSeen - stopped) < 1, "last_seen \(lastSeen) vs the last sample sent at \(stopped)")
        #expect(try Self.seriesField(endpoints.http, key, "absent") as? Bool == true)
        #expect(try Self.seriesField(endpoints.http, key, "alert") as? String == "normal")
        // It comes back: the absent alert resolves.
        try producer.send("\(key) 10 \(String(format: "%.3f", Date().timeIntervalSince1970))")
        try waitUntil("MetricAbsent resolved in Alertmanager", timeout: 30) {
            Self.named(try alertmanager.alerts(series: key), "MetricAbsent").isEmpty
        }
        #expect(try Self.seriesField(endpoints.http, key, "absent") as? Bool == false)
        producer.close()
        _ = daemon
    }

    @Test("2,000 series of one producer going quiet: one ProducerAbsent alert in Alertmanager, none of MetricAbsent")
    func producerStorm() throws {
        let alertmanager = try AlertmanagerServer()
        let (daemon, endpoints) = try Self.daemon(alertmanager: alertmanager.url)
        let producer = try Producer(connect: endpoints.input)
        // Five rounds, each as soon as the last was taken (their own clock too): every series learns its cadence.
        for round in 0..<5 {
            let now = Date().timeIntervalSince1970
            let lines = (0..<2000).map { "storm.m\($0) \(round) \(String(format: "%.3f", now))" }
            try producer.send(lines.joined(separator: "\n"))
            try waitUntil("round \(round) taken", timeout: 30, poll: 0.01) {
                (try? metricValue(endpoints.http, "streamlstmd_samples_total")) == Double((round + 1) * 2000)
            }
        }
        producer.close()
        try waitUntil("ProducerAbsent active in Alertmanager", timeout: 60) {
            !Self.named(try alertmanager.alerts(), "ProducerAbsent").isEmpty
        }
        // Every series has passed its deadline once the gauge counts them all.
        try waitUntil("every series absent", timeout: 30) {
            try metricValue(endpoints.http, "streamlstmd_series_absent") == 2000
        }
        let all = try alertmanager.alerts()
        let storm = Self.named(all, "ProducerAbsent")
        #expect(storm.count == 1 && Self.named(all, "MetricAbsent").isEmpty, "\(all.count) alerts")
        let labels = try #require(storm.first?["labels"] as? [String: String])
        #expect(labels["producer"]?.hasPrefix("input tcp://127.0.0.1:") == true, "\(labels)")
        let annotations = try #require(storm.first?["annotations"] as? [String: String])
        #expect(Int(annotations["quiet_series"] ?? "") == 2000, "\(annotations)")
        _ = daemon
    }

    @Test("A restart keeps the verdict: absent before, absent after (still in Alertmanager), resolved when it returns")
    func restartKeepsVerdict() throws {
        let alertmanager = try AlertmanagerServer()
        let state = try makeTemporaryFolder("absence-state")
        defer { try? FileManager.default.removeItem(at: state) }
        let key = "restart.cpu"
        // Its rule's label goes with its alerts, the one re-sent from the checkpoint included: under
        // other labels Alertmanager would hold a second alert, left firing.
        let rule = "rules:\n  - match: 'restart.cpu'\n    labels: {team: ops}\n"
        do {
            let (daemon, endpoints) = try Self.daemon(
                alertmanager: alertmanager.url, stateDirectory: state, extra: rule)
            try Self.send(Self.stream(key, count: 60), to: endpoints.input)
            try waitUntil("MetricAbsent active in Alertmanager", timeout: 30) {
                !Self.named(try alertmanager.alerts(series: key), "MetricAbsent").isEmpty
            }
            let (status, _) = try daemon.terminate()
            #expect(status == 0)
        }
        let (daemon, endpoints) = try Self.daemon(alertmanager: alertmanager.url, stateDirectory: state, extra: rule)
        #expect(try Self.seriesField(endpoints.http, key, "absent") as? Bool == true)
        // Alertmanager is told again (its copy would otherwise lapse at its endsAt), with the same start.
        let before = try #require(Self.named(try alertmanager.alerts(series: key), "MetricAbsent").first)
        try waitUntil("the restarted daemon re-sends it", timeout: 30) {
            let now = try #require(Self.named(try alertmanager.alerts(series: key), "MetricAbsent").first)
            return (now["updatedAt"] as? String) != (before["updatedAt"] as? String)
        }
        let resent = Self.named(try alertmanager.alerts(series: key), "MetricAbsent")
        #expect(resent.count == 1 && resent.first?["startsAt"] as? String == before["startsAt"] as? String)
        #expect((resent.first?["labels"] as? [String: String])?["team"] == "ops")
        try Self.send(Self.stream(key, count: 1, from: 60), to: endpoints.input)
        try waitUntil("MetricAbsent resolved in Alertmanager", timeout: 30) {
            Self.named(try alertmanager.alerts(series: key), "MetricAbsent").isEmpty
        }
        #expect(try Self.seriesField(endpoints.http, key, "absent") as? Bool == false)
        _ = daemon
    }

    @Test("Series past series_ttl leave /series, the checkpoint and the cap; new series take their slots")
    func expiry() throws {
        let state = try makeTemporaryFolder("expiry-state")
        defer { try? FileManager.default.removeItem(at: state) }
        let (daemon, endpoints) = try Self.daemon(
            alertmanager: nil, stateDirectory: state, extra: "series_ttl: 5\nmax_series: 2\n")
        try Self.send(Self.stream("old.a", count: 5) + Self.stream("old.b", count: 5), to: endpoints.input)
        try waitUntil("both forgotten", timeout: 30) {
            try metricValue(endpoints.http, "streamlstmd_series_expired_total") == 2
        }
        #expect(try seriesList(endpoints.http).isEmpty)
        try Self.send(Self.stream("new.c", count: 5) + Self.stream("new.d", count: 5), to: endpoints.input)
        try waitUntil("the new series admitted", timeout: 30) { try seriesList(endpoints.http).count == 2 }
        #expect(try seriesList(endpoints.http).map(\.key) == ["new.c", "new.d"])
        let metrics = try httpGet(endpoints.http, "/metrics")
        #expect(metrics.contains("streamlstmd_series 2.0\n") && !metrics.contains(#"reason="series_limit"} 1"#))
        let (status, _) = try daemon.terminate()
        #expect(status == 0)
        let file = try [UInt8](Data(contentsOf: state.appendingPathComponent("series.ckpt")))
        let kept = CheckpointFile.read(file, config: DaemonConfig().engine.predictor).snapshots.map(\.key)
        #expect(kept.sorted() == ["new.c", "new.d"])
    }

    @Test("replay judges silence on the recording's clock: 2,000 series stop, one ProducerAbsent, byte-identical runs")
    func replayStorm() throws {
        let folder = try makeTemporaryFolder("absence-replay")
        defer { try? FileManager.default.removeItem(at: folder) }
        var lines = [StreamRecording.header]
        let start = 1_700_000_000.0
        // 2,000 series every 10 s for 50 s, a heartbeat every 10 s for 400 s, all in one recording.
        for round in 0..<40 {
            let time = start + 10 * Double(round)
            var payload = ["beat 1 \(Int(time))"]
            if round < 5 { payload += (0..<2000).map { "host.m\($0) \(round) \(Int(time))" } }
            lines.append(
                StreamRecording.line(
                    for: RecordedMessage(received: time, frames: [Array(payload.joined(separator: "\n").utf8)])
                )
                .trimmingCharacters(in: .newlines))
        }
        let recording = try writeFile("storm.ndjson", in: folder, lines.joined(separator: "\n") + "\n")
        func replay(_ name: String, _ options: [String] = []) throws -> String {
            let log = folder.appendingPathComponent(name)
            let outcome = try BuiltBinary.run(["replay", recording.path, "--quiet", "--alert-log", log.path] + options)
            #expect(outcome.status == 0, "\(outcome.standardError)")
            return try String(contentsOf: log, encoding: .utf8)
        }
        let first = try replay("first.jsonl")
        #expect(first == (try replay("second.jsonl")), "two replays of one recording differ")
        let alerts = first.split(separator: "\n")
        let storm = alerts.filter { $0.contains(#""alertname":"ProducerAbsent""#) }
        #expect(storm.count == 1 && storm.first?.contains(#""quiet_series":2000"#) == true, "\(storm)")
        #expect(!first.contains("MetricAbsent"))
        #expect(try replay("off.jsonl", ["--absent", "off"]).isEmpty, "make evaluate's replays judge no silence")
        // Absent 10 intervals after the last round (t = 40 s): at 140 s of the recording's clock.
        #expect(storm.first?.contains(#""startsAt":"2023-11-14T22:15:40Z""#) == true, "\(storm)")
    }
}
