import Foundation
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// The built daemon, fed and watched by pyzmq over loopback TCP.
@Suite("End to end: pyzmq producer and subscriber against the built daemon")
struct EndToEndTests {
    @Test(
        "Spikes in all three formats fire and resolve; clean series stay quiet; bad input is counted by reason; SIGTERM exits 0"
    )
    func threeFormats() throws {
        let folder = try makeTemporaryFolder("e2e")
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try writeFile(
            "streamlstmd.yaml", in: folder,
            """
            inputs:
              - listen: ["tcp://127.0.0.1:*"]
                max_message_bytes: 100000
            max_series: 6
            """)
        let daemon = try RunningDaemon([
            "run", "--config", config.path, "--alerts", "tcp://127.0.0.1:*",
            "--shards", "2", "--status-interval", "0", "--instance", "e2e",
            "--http", "127.0.0.1:0",
        ])
        let endpoints = try daemon.loopbackEndpoints()
        let (input, alerts, http) = (endpoints.input, endpoints.alerts, endpoints.http)
        let report = daemon.folder.appendingPathComponent("report.json")
        let status = try runInteropScript(
            "feed_and_watch.py",
            [
                "--input", input, "--alerts", alerts,
                "--report", report.path, "--http", http,
            ])
        #expect(status == 0)

        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any]
        let received = try #require(object?["alerts"] as? [[Any]])
        let payloads = received.compactMap { $0.last as? [String: Any] }
        let topics = received.compactMap { $0.first as? String }
        #expect(payloads.allSatisfy { $0["schema"] as? String == "streamlstm.alert/v1" })
        #expect(payloads.compactMap { $0["seq"] as? Int } == Array(1...payloads.count))
        func series(_ payload: [String: Any]) -> String? { (payload["labels"] as? [String: Any])?["series"] as? String }
        func anomaly(_ payload: [String: Any]) -> [String: Any] { payload["anomaly"] as? [String: Any] ?? [:] }

        let spikeSeries = ["graphite_spike", #"influx_spike.value{host="a"}"#, #"json_spike{host="a"}"#]
        let spikeTime = rfc3339(1_700_000_000 + 60 * 800)
        for name in spikeSeries {
            let own = payloads.filter { series($0) == name }
            #expect(own.first?["status"] as? String == "firing", "\(name)")
            #expect(anomaly(own.first ?? [:])["ts"] as? String == spikeTime, "\(name) fired late or early")
            #expect(own.last?["status"] as? String == "resolved", "\(name) did not resolve")
            #expect(own.filter { $0["status"] as? String == "resolved" }.count == 1)
            #expect((own.first?["labels"] as? [String: Any])?["instance"] as? String == "e2e")
        }
        #expect(Set(payloads.compactMap(series)) == Set(spikeSeries), "an alert on a clean series")
        #expect(topics.allSatisfy { $0.hasPrefix("alert.firing.") || $0.hasPrefix("alert.resolved.") })

        // /metrics as Python's urllib read it, once the daemon had counted every sample.
        #expect(object?["ready"] as? Int == 200)
        let metrics = Set((object?["metrics"] as? String ?? "").split(separator: "\n").map(String.init))
        #expect(metrics.contains("streamlstmd_samples_total 6600"))
        // 11 rounds of malformed messages: 3 unparseable and 1 non-finite each.
        #expect(metrics.contains(#"streamlstmd_rejected_total{reason="unparseable"} 33"#))
        #expect(metrics.contains(#"streamlstmd_rejected_total{reason="non_finite_value"} 11"#))
        // The message over max_message_bytes: its connection dropped by libzmq, and counted.
        #expect(metrics.contains("streamlstmd_input_disconnects_total 1"))
        #expect(metrics.contains(#"streamlstmd_rejected_total{reason="oversized_message"} 0"#))
        #expect(metrics.contains(#"streamlstmd_rejected_total{reason="series_limit"} 1"#))
        #expect(metrics.contains(#"streamlstmd_rejected_total{reason="out_of_order"} 1"#))
        #expect(metrics.contains(#"streamlstmd_rejected_total{reason="key_too_long"} 0"#))
        #expect(metrics.contains("streamlstmd_series 6.0"))
        #expect(metrics.contains(#"streamlstmd_alerts_total{status="resolved",severity="critical"} 3"#))

        let (exitStatus, seconds) = try daemon.terminate()
        #expect(exitStatus == 0)
        #expect(seconds < 10, "took \(seconds) s to stop")  // the 2 s bar is HTTPTests', under load from clients
        let stopped = daemon.log.split(separator: "\n").last { $0.contains("stopped") }.map(String.init) ?? ""
        #expect(stopped.contains("samples=6600"), "\(stopped)")
    }
}
