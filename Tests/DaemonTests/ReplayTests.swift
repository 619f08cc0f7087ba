import Foundation
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// `record`, `replay` and their promises, against the built binary.
@Suite("Replay and record")
struct ReplayTests {
    /// A NAB-style CSV: a noisy cycle of 50 samples, 5 minutes apart, with a
    /// spike at `spikeAt`; also a NaN row and a row whose time steps back.
    static func csv(rows: Int, spikeAt: Int, seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed)
        var text = "timestamp,value\n"
        for t in 0..<rows {
            var value = 40 + 8 * sin(2 * Double.pi * Double(t) / 50) + rng.gaussian()
            if t == spikeAt { value += 60 }
            let seconds = t == 400 ? 1_392_388_200 + 300 * 398 : 1_392_388_200 + 300 * t  // row 400 steps back
            text += "\(Self.nabTime(Double(seconds))),\(t == 300 ? "nan" : String(value))\n"
        }
        return text
    }

    /// `2014-02-14 14:30:00`, NAB's layout.
    static func nabTime(_ seconds: Double) -> String {
        rfc3339(seconds).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }

    /// `folder/data/web/latency.csv`: 1,500 rows, a spike at row 1,200.
    static func writeDataFolder(in folder: URL) throws {
        let data = folder.appendingPathComponent("data/web")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try csv(rows: 1500, spikeAt: 1200, seed: 3).write(
            to: data.appendingPathComponent("latency.csv"),
            atomically: true, encoding: .utf8)
    }

    static func rows(_ url: URL) throws -> [[Substring]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }

    @Test("Replay is deterministic, writes one result row per input row, and flags the spike")
    func deterministic() throws {
        let folder = try makeTemporaryFolder("replay")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeDataFolder(in: folder)
        var outputs: [Data] = []
        for run in 0..<2 {
            let out = folder.appendingPathComponent("out\(run)")
            let outcome = try BuiltBinary.run([
                "replay", folder.appendingPathComponent("data").path,
                "--output", out.path, "--training", "on", "--quiet",
            ])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            #expect(
                outcome.standardError.contains("replayed 1 file: 1 series, 1499 samples"), "\(outcome.standardError)")
            outputs.append(try Data(contentsOf: out.appendingPathComponent("web/latency.csv")))
        }
        #expect(outputs[0] == outputs[1])
        let rows = try Self.rows(folder.appendingPathComponent("out0/web/latency.csv"))
        #expect(rows.count == 1500)
        #expect(rows[0][0] == "2014-02-14 14:30:00")
        #expect(rows[300][1] == "nan" && rows[300][2] == "")  // rejected, still a row
        #expect(rows[400][0] == Substring(Self.nabTime(1_392_388_200 + 300 * 398)))  // stepped back, still scored
        let scores = rows.map { Double($0[3])! }
        let firing = rows.map { $0[4] == "1" }
        #expect(scores[1200] >= 0.5)
        #expect(firing[1200])
        #expect(scores[310..<1200].allSatisfy { $0 < 0.5 }, "a false alarm before the spike")
        #expect(!firing[1499], "the alert resolves after the spike")
    }

    @Test("A new series can alert within 50 samples: a spike at sample 60 does; its clean twin stays quiet")
    func earlyAlert() throws {
        let folder = try makeTemporaryFolder("replay-early")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Self.csv(rows: 250, spikeAt: 60, seed: 8).write(
            to: data.appendingPathComponent("spiked.csv"),
            atomically: true, encoding: .utf8)
        try Self.csv(rows: 250, spikeAt: -1, seed: 8).write(
            to: data.appendingPathComponent("clean.csv"),
            atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let outcome = try BuiltBinary.run(["replay", data.path, "--output", out.path, "--quiet"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let spiked = try Self.rows(out.appendingPathComponent("spiked.csv"))
        let clean = try Self.rows(out.appendingPathComponent("clean.csv"))
        let threshold = AlertRules().fireThreshold
        #expect(spiked[0..<60].allSatisfy { Double($0[3])! < threshold })
        #expect(Double(spiked[60][3])! >= threshold && spiked[60][4] == "1", "\(spiked[60])")
        let falseAlarms = clean.indices.filter { Double(clean[$0][3])! >= threshold }
        #expect(falseAlarms.isEmpty, "\(falseAlarms.map { clean[$0] })")
    }

    @Test("A bad file is named with its line; the other inputs are still replayed; the status says so")
    func badInput() throws {
        let folder = try makeTemporaryFolder("replay-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.csv")
        let bad = folder.appendingPathComponent("bad.csv")
        let empty = folder.appendingPathComponent("empty.csv")
        let columns = folder.appendingPathComponent("columns.csv")
        try Self.csv(rows: 100, spikeAt: 90, seed: 4).write(to: good, atomically: true, encoding: .utf8)
        try "timestamp,value\n2014-02-14 14:30:00,1\n2014-02-14 14:35:00,one\n".write(
            to: bad, atomically: true, encoding: .utf8)
        try "".write(to: empty, atomically: true, encoding: .utf8)
        try "time,value\n1,2\n".write(to: columns, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let outcome = try BuiltBinary.run([
            "replay", bad.path, empty.path, columns.path, good.path,
            folder.appendingPathComponent("missing.csv").path, "--output", out.path,
        ])
        #expect(outcome.status != 0)
        let log = outcome.standardError
        #expect(log.contains("bad.csv:3: bad value \"one\""), "\(log)")
        #expect(log.contains("empty.csv: empty file"), "\(log)")
        #expect(log.contains("columns.csv:1: the header needs `timestamp` and `value` columns"), "\(log)")
        #expect(log.contains("missing.csv: cannot read"), "\(log)")
        #expect(log.contains("5 files failed") == false && log.contains("4 files failed"), "\(log)")
        #expect(try Self.rows(out.appendingPathComponent("good.csv")).count == 100)
    }

    @Test("A recording of a live run, replayed, gives the alerts the live daemon gave")
    func recordThenReplay() throws {
        let folder = try makeTemporaryFolder("record")
        defer { try? FileManager.default.removeItem(at: folder) }
        let context = try ZMQContext()
        let producer = try ZMQSocket(context: context, type: .xpublisher)
        try producer.set(.receiveTimeout(milliseconds: 20_000))
        try producer.set(.sendHighWaterMark(0))
        try producer.bind("tcp://127.0.0.1:*")
        let endpoint = try producer.lastEndpoint()

        let daemon = try RunningDaemon([
            "run", "--connect", endpoint, "--alerts", "tcp://127.0.0.1:*", "--http", "off",
            "--status-interval", "0", "--training", "off", "--shards", "2",
        ])
        let alertEndpoint = try daemon.waitForLog(#"alerts on (tcp://127\.0\.0\.1:\d+)"#)
        let live = Protected<[ReceivedAlert]>([])
        let subscriber = try AlertSubscriber(endpoint: alertEndpoint) { alert in live.withLock { $0.append(alert) } }
        defer { subscriber.stop() }
        let recording = folder.appendingPathComponent("live.rec")
        let messages = 120
        let recorder = try RunningDaemon([
            "record", "--connect", endpoint, "--subscribe", "metrics",
            "--output", recording.path, "--count", "\(messages)",
        ])
        // Both subscriptions ("" from the daemon, "metrics" from the recorder) have reached the producer.
        for _ in 0..<2 { #expect(try producer.receive() != nil) }

        var rng = SplitMix64(seed: 21)
        for m in 0..<messages {
            var lines: [String] = []
            for t in (m * 10)..<(m * 10 + 10) {
                let time = 1_700_000_000 + 60 * t
                let a = 50 + 10 * sin(Double(t) / 8) + rng.gaussian() + (t == 700 || t == 1000 ? 70 : 0)
                let b = 20 + rng.gaussian() + (t >= 900 ? 15 : 0)
                let c = 5 + 0.5 * rng.gaussian()
                lines += ["replay.a \(a) \(time)", "replay.b \(b) \(time)", "replay.c \(c) \(time)"]
            }
            _ = try producer.send([Array("metrics".utf8), Array(lines.joined(separator: "\n").utf8)])
        }
        #expect(recorder.waitForExit(timeout: 30), "record did not stop after \(messages) messages")
        #expect(recorder.log.contains("recorded \(messages) messages"), "\(recorder.log)")

        let alertLog = folder.appendingPathComponent("alerts.ndjson")
        let replay = try BuiltBinary.run(["replay", recording.path, "--training", "off", "--alert-log", alertLog.path])
        #expect(replay.status == 0, "\(replay.standardError)")
        let replayed = try String(contentsOf: alertLog, encoding: .utf8).split(separator: "\n").compactMap { line in
            let payload = Array(line.utf8)
            let status =
                (try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])?["status"] as? String
            return ReceivedAlert(topic: Array("alert.\(status ?? "")".utf8), payload: payload)
        }
        #expect(replayed.count >= 3, "the stream has two spikes and a level shift")

        try? waitUntil("the live daemon's alerts") { live.withLock({ $0.count }) >= replayed.count }
        _ = try daemon.terminate()
        func identity(_ alert: ReceivedAlert) -> String {
            "\(alert.series) \(alert.status) \(alert.severity) \(alert.startsAt) \(alert.sampleTime) \(alert.score) "
                + "\(alert.reason) \(alert.description)"
        }
        let liveAlerts = live.withLock { $0 }.map(identity).sorted()
        #expect(liveAlerts == replayed.map(identity).sorted())
        #expect(liveAlerts.contains { $0.hasPrefix("replay.a firing") })
        #expect(liveAlerts.contains { $0.hasPrefix("replay.b firing") })
        #expect(!liveAlerts.contains { $0.hasPrefix("replay.c") })
    }

    @Test("--plot draws each series with its labelled windows, prediction band, score and alerts")
    func plot() throws {
        let folder = try makeTemporaryFolder("plot")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeDataFolder(in: folder)
        let labels = folder.appendingPathComponent("windows.json")
        let window = [Self.nabTime(1_392_388_200 + 300 * 1190), Self.nabTime(1_392_388_200 + 300 * 1210)]
        try #"{"web/latency.csv": [["\#(window[0]).000000", "\#(window[1]).000000"]]}"#
            .write(to: labels, atomically: true, encoding: .utf8)
        let plots = folder.appendingPathComponent("plots")
        let outcome = try BuiltBinary.run([
            "replay", folder.appendingPathComponent("data").path, "--plot", plots.path,
            "--labels", labels.path, "--quiet",
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let svg = try String(contentsOf: plots.appendingPathComponent("web/latency.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg xmlns='http://www.w3.org/2000/svg'"))
        #expect(svg.contains("latency: 1500 samples, 1 alert"))
        #expect(svg.components(separatedBy: "fill='#ffd54f' fill-opacity='0.35'").count == 2, "one labelled window")
        #expect(svg.components(separatedBy: "fill='#e53935' fill-opacity='0.18'").count == 2, "one alert")
        #expect(svg.contains("fill='#90caf9'"), "the prediction band")
        #expect(svg.hasSuffix("</svg>\n"))
    }
}
