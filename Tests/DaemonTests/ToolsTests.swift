import Foundation
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// `publish` and `alerts`, the tools users test a deployment with, against the built daemon.
@Suite("publish and alerts")
struct ToolsTests {
    /// A CSV recording: a noisy sine with a spike at row `spikeAt`.
    static func recording(rows: Int, spikeAt: Int, in folder: URL, name: String) throws -> URL {
        var rng = SplitMix64(seed: 12)
        var text = "timestamp,value\n"
        for t in 0..<rows {
            var value = 50 + 10 * sin(2 * Double.pi * Double(t) / 40) + Double.random(in: -1...1, using: &rng)
            if t == spikeAt { value += 80 }
            text += "\(rfc3339(1_700_000_000 + 60 * Double(t))),\(value)\n"
        }
        return try writeFile(name, in: folder, text)
    }

    @Test("A published CSV recording makes the daemon alert, and `alerts` prints it")
    func publishAndWatch() throws {
        let daemon = try RunningDaemon.onLoopback(["--http", "off"])
        let input = try daemon.waitForLog(#"endpoints=(tcp://127\.0\.0\.1:\d+)"#)
        let alertEndpoint = try daemon.waitForLog(#"alerts on (tcp://127\.0\.0\.1:\d+)"#)
        let file = try Self.recording(rows: 1000, spikeAt: 800, in: daemon.folder, name: "checkout_latency.csv")

        let watcher = try RunningDaemon(["alerts", "--connect", alertEndpoint, "--count", "1", "--json"])
        _ = try watcher.waitForLog("subscribed to")
        let published = try BuiltBinary.run(["publish", file.path, "--connect", input, "--batch", "50"])
        #expect(published.status == 0, "\(published.standardError)")
        #expect(published.standardError.contains("published 1000 samples from 1 file in"))

        let line = try watcher.waitForOutput(timeout: 30)
        let alert = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(alert["status"] as? String == "firing")
        #expect((alert["labels"] as? [String: Any])?["series"] as? String == "checkout_latency")
        #expect((alert["anomaly"] as? [String: Any])?["ts"] as? String == rfc3339(1_700_000_000 + 60 * 800))
        _ = try daemon.terminate()
    }

    @Test("A bad row stops publish with the file and line named, and a non-zero status")
    func badRecording() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try writeFile("bad.csv", in: folder, "timestamp,value\n1700000000,1\n1700000060,not-a-number\n")
        let outcome = try BuiltBinary.run(["publish", file.path, "--bind", "tcp://127.0.0.1:*", "--wait", "1"])
        #expect(outcome.status != 0)
        #expect(outcome.standardError.contains("bad.csv:3: bad value \"not-a-number\""), "\(outcome.standardError)")
    }

    @Test("Nobody subscribing is not a usage error: publish says so and exits 69; an address that is none exits 64")
    func publishExitCodes() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try writeFile("ok.csv", in: folder, "timestamp,value\n1700000000,1\n")
        let port = try unusedLoopbackPort()
        let nobody = try BuiltBinary.run(["publish", file.path, "--connect", "127.0.0.1:\(port)", "--wait", "1"])
        #expect(nobody.status == EX_UNAVAILABLE, "\(nobody.standardError)")
        #expect(
            nobody.standardError.contains("no subscriber joined within 1") && !nobody.standardError.contains("USAGE"))
        let nonsense = try BuiltBinary.run(["publish", file.path, "--connect", "nonsense", "--wait", "1"])
        #expect(nonsense.status == EX_USAGE && nonsense.standardError.contains("tcp://HOST:PORT"))
    }

    @Test("Recordings: CSV with a series column, NDJSON with labels, NAB timestamps")
    func readerFormats() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = try writeFile(
            "many.csv", in: folder, "series,timestamp,value\na,2014-02-14 14:27:00,1.5\nb,1392388080,2\n")
        #expect(
            try RecordingReader.read(csv) == [
                RecordedSample(
                    key: "a", timestamp: 1_392_388_020, value: 1.5,
                    timestampText: "2014-02-14 14:27:00"),
                RecordedSample(
                    key: "b", timestamp: 1_392_388_080, value: 2,
                    timestampText: "1392388080"),
            ])
        let ndjson = try writeFile("x.ndjson", in: folder, #"{"series":"m","labels":{"h":"1"},"ts":5,"value":3}"#)
        #expect(
            try RecordingReader.read(ndjson) == [
                RecordedSample(
                    key: #"m{h="1"}"#, timestamp: 5, value: 3,
                    timestampText: "1970-01-01T00:00:05Z")
            ])
        let empty = try writeFile("empty.csv", in: folder, "")
        #expect(throws: RecordingError(file: empty.path, line: nil, problem: "empty file")) {
            try RecordingReader.read(empty)
        }
    }
}
