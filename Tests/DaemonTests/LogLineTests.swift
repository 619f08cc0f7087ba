import Foundation
import Logging
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// What the daemon's log says and how often: logfmt values, counted nouns, the status line's cadence.
@Suite("Log lines")
struct LogLineTests {
    /// A value as swift-log would print a Swift dictionary or array literal.
    static func looksLikeALiteral(_ value: String) -> Bool {
        value.hasPrefix("[") || value.contains("\": \"") || value.contains("[:]")
    }

    @Test("The status line comes when a count changed, else once per idle interval; its values are scalars")
    func statusCadence() {
        var stats = EngineStats.Snapshot()
        var line = StatusLine(idleInterval: 300, at: 0, stats)
        let (logger, lines) = RecordingLogHandler.logger()
        func tick(_ time: Double, series: Int = 0) {
            if let metadata = line.next(at: time, stats, series: series) { logger.info("status", metadata: metadata) }
        }
        tick(10)  // the first look says where the daemon starts from
        for time in stride(from: 20.0, through: 300, by: 10) { tick(time) }
        #expect(lines.all.count == 1, "an idle daemon logged every interval: \(lines.all.count) lines")
        tick(310)  // 300 s after the last line
        #expect(lines.all.count == 2)
        stats.samples = 500
        stats.rejections[RejectReason.outOfOrder.rawValue] = 3
        stats.rejections[RejectReason.badTimestamp.rawValue] = 1
        tick(320)
        #expect(lines.all.count == 3)
        tick(330)
        #expect(lines.all.count == 3, "nothing changed since the last line")
        tick(340, series: 2)
        #expect(lines.all.count == 4, "a new series is a change")
        let changed = lines.all[2].metadata
        #expect(changed["samples_per_s"] == "50" && changed["samples"] == "500")
        #expect(changed["rejected"] == "4" && changed["rejected_out_of_order"] == "3")
        #expect(changed["rejected_bad_timestamp"] == "1" && changed["rejected_series_limit"] == nil)
        // Quiet for 260 s (no line), then 100 samples in the last 10 s: the rate is now's, not the stretch's.
        for time in stride(from: 350.0, through: 600, by: 10) { tick(time, series: 2) }
        #expect(lines.all.count == 4)
        stats.samples += 100
        tick(610, series: 2)
        #expect(lines.all.count == 5)
        #expect(lines.all[4].metadata["samples_per_s"] == "10", "\(lines.all[4].metadata)")
        for entry in lines.all {
            for (key, value) in entry.metadata {
                guard case .string(let text) = value else {
                    Issue.record("\(key) is not a scalar: \(value)")
                    continue
                }
                #expect(!Self.looksLikeALiteral(text) && !text.contains(" "), "\(key)=\(text)")
            }
        }
    }

    @Test("The daemon's handler writes logfmt: dictionaries become one key per entry, lists and spaces are quoted")
    func logfmtValues() {
        let flat = Logfmt.metadata([
            "rejected": .dictionary(["bad_timestamp": "1", "out_of_order": "3"]),
            "endpoints": .array(["tcp://a:1", "tcp://b:2"]),
            "applied": "",
            "example": #"a: value "x" is not a number"#,
            "samples": "12",
            "reply": "<html>\r\n<h1>502</h1>\r\n\tbad\u{1B}[0m",
        ])
        // One event, one line: CR LF (one Character in Swift), a tab and an escape are escaped too.
        #expect(flat["reply"] == #""<html>\r\n<h1>502</h1>\r\n\tbad\u{1b}[0m""#)
        #expect(flat["rejected_bad_timestamp"] == "1" && flat["rejected_out_of_order"] == "3")
        #expect(flat["rejected"] == nil)
        #expect(flat["endpoints"] == #""tcp://a:1 tcp://b:2""#)
        #expect(flat["applied"] == #""""#)
        #expect(flat["example"] == #""a: value \"x\" is not a number""#)
        #expect(flat["samples"] == "12")
    }

    @Test("Counts name their noun in the right number")
    func plurals() {
        #expect(counted(1, "file") == "1 file" && counted(0, "file") == "0 files" && counted(2, "alert") == "2 alerts")
        #expect(counted(1, "series") == "1 series" && counted(3, "series") == "3 series")
        var summary = ReplaySummary()
        (summary.files, summary.series, summary.samples, summary.incidents, summary.firing) = (1, 1, 1, 1, 1)
        (summary.rejected, summary.failedFiles) = (1, 1)
        #expect(
            summary.line.hasPrefix(
                "replayed 1 file: 1 series, 1 sample, 1 alert (0 re-sent or escalated), 0 resolved, 1 sample rejected"),
            "\(summary.line)")
        #expect(summary.line.contains("; 1 file failed"))
    }

    @Test("The built daemon's status and stopped lines carry rejections as rejected_<reason>=N, never a Swift literal")
    func daemonLinesAreLogfmt() throws {
        let daemon = try RunningDaemon([
            "run", "--listen", "tcp://127.0.0.1:*", "--alerts", "tcp://127.0.0.1:*", "--http", "off",
            "--status-interval", "0.05",
        ])
        let input = try daemon.waitForLog(#"endpoints=(tcp://127\.0\.0\.1:\d+)"#)
        _ = try daemon.waitForLog("ready")
        let producer = try Producer(connect: input)
        let lines = (0..<5).map { "logfmt.cpu \($0) \(1_700_000_000 + 60 * $0)" }.joined(separator: "\n")
        try producer.send(lines)
        try producer.send(lines)  // again: every sample but the last (not older than itself) is out of order
        _ = try daemon.waitForLog(#"rejected=4 rejected_out_of_order=4 .*\] status"#)
        _ = try daemon.waitForLog(#"reason=out_of_order series_book="shard \d+" .*\] rejected input"#)
        #expect(try daemon.terminate().status == 0)
        let stopped = try #require(daemon.log.split(separator: "\n").first { $0.hasSuffix("] stopped") })
        #expect(stopped.contains("rejected=4 rejected_out_of_order=4 "), "\(stopped)")
        for line in daemon.log.split(separator: "\n") {
            #expect(!line.contains("=[") && !line.contains("[:]") && !line.contains("\": \""), "\(line)")
        }
    }

    @Test("SIGHUP without --config says once, at info, that there is no file to reload, and changes nothing")
    func hangUpWithoutConfig() throws {
        let daemon = try RunningDaemon.onLoopback([
            "--http", "off", "--log-level", "debug",
        ])
        _ = try daemon.waitForLog("ready")
        daemon.signal(SIGHUP)
        _ = try daemon.waitForLog(#" info streamlstmd:.*no configuration file to reload"#)
        daemon.signal(SIGHUP)
        _ = try daemon.waitForLog(#" debug streamlstmd:.*no configuration file to reload"#)
        #expect(try daemon.terminate().status == 0)
        let log = daemon.log
        #expect(log.components(separatedBy: "no configuration file to reload").count == 3)
        #expect(!log.contains("configuration reloaded") && !log.contains("after_restart"), "\(log)")
    }
}
