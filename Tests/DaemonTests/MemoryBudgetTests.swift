import Foundation
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// `max_memory`: new series stop at the budget, the series there keep working.
@Suite("A memory budget for the series")
struct MemoryBudgetTests {
    /// Resident bytes of a process (`VmRSS` of /proc/PID/status).
    static func residentBytes(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test(
        "A flood of new series stops at the budget, counted as memory_limit; resident memory grows by about the budget; a series there still alerts"
    )
    func floodStopsAtBudget() throws {
        let budget = 8_000_000
        let daemon = try RunningDaemon.onLoopback([
            "--http", "127.0.0.1:0", "--shards", "2", "--max-memory", "\(budget)", "--training", "off",
        ])
        let endpoints = try daemon.loopbackEndpoints(ready: false)
        let (input, alerts, http) = (endpoints.input, endpoints.alerts, endpoints.http)
        let received = Protected<[ReceivedAlert]>([])
        let subscriber = try AlertSubscriber(endpoint: alerts) { alert in received.withLock { $0.append(alert) } }
        defer { subscriber.stop() }
        let producer = try Producer(connect: input)
        func time(_ t: Int) -> Int { 1_700_000_000 + 60 * t }
        // A series that is there before the flood.
        for start in stride(from: 0, to: 400, by: 100) {
            try producer.send(
                (start..<(start + 100)).map { "ctl \(10 + sin(Double($0) / 10)) \(time($0))" }.joined(separator: "\n"))
        }
        try waitUntil("ctl in") { try seriesList(http).first { $0.key == "ctl" }?.samples == 400 }
        let before = Self.residentBytes(daemon.process.processIdentifier)
        // The flood: 4,000 new series, one sample each.
        for start in stride(from: 0, to: 4000, by: 200) {
            try producer.send((start..<(start + 200)).map { "flood.s\($0) 1 \(time(0))" }.joined(separator: "\n"))
        }
        try waitUntil("every flood sample accounted for") {
            let metrics = try MetricsPage.read(http)
            let admitted = metrics.value("streamlstmd_series")
            let refused = metrics.value("streamlstmd_rejected_total", [#"reason="memory_limit""#])
            return admitted - 1 + refused == 4000
        }
        let metrics = try MetricsPage.read(http)
        let held = metrics.value("streamlstmd_series_bytes")
        let admitted = Int(metrics.value("streamlstmd_series")) - 1
        let refused = Int(metrics.value("streamlstmd_rejected_total", [#"reason="memory_limit""#]))
        let perSeries = try #require(
            try httpGetList(http, "/series?key=ctl").first?["bytes"] as? Int)
        #expect(refused > 0 && admitted > 0, "admitted \(admitted), refused \(refused)")
        #expect(held <= Double(budget) && held > Double(budget - 2 * perSeries), "\(held) bytes held of \(budget)")
        let growth = Self.residentBytes(daemon.process.processIdentifier) - before
        print(
            "memory budget: \(admitted) series of \(perSeries) bytes admitted, \(refused) refused; resident +\(growth) bytes"
        )
        #expect(growth <= budget * 11 / 10, "resident memory grew by \(growth) bytes for a budget of \(budget)")
        // The series that was there still alerts.
        try producer.send("ctl 60 \(time(400))")
        producer.close()
        try waitUntil("ctl's spike alert") {
            received.withLock { $0 }.contains { $0.series == "ctl" && $0.status == "firing" }
        }
    }
}
