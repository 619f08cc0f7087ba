import Foundation
import Logging
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Nothing waits forever on another thread: a stuck shard, a publisher whose thread has ended.
@Suite("Waits across threads have a bound")
struct BoundedWaitTests {
    @Test("A stuck shard (fault hook): /series answers 503 naming it within the bound, /healthz answers at once")
    func stuckShardSeries() throws {
        // A queue of two batches a shard: samples that keep coming fill the stuck shard's queue, and
        // a question for it cannot even be queued.
        let folder = try makeTemporaryFolder("stuck")
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try writeFile("streamlstmd.yaml", in: folder, "queue_capacity: 2\n")
        let daemon = try RunningDaemon.onLoopback(
            ["--config", config.path, "--http", "127.0.0.1:0", "--shards", "2"],
            environment: ["STREAMLSTMD_FAULT_STALL_SERIES": "stuck.x"])
        let input = try daemon.waitForLog(#"endpoints=(tcp://127\.0\.0\.1:\d+)"#)
        let http = try daemon.waitForLog(#"http on (127\.0\.0\.1:\d+)"#)
        let producer = try Producer(connect: input)
        try producer.send("calm.a 1 1700000000")
        try waitUntil("calm.a in /series") { try seriesList(http).contains { $0.key == "calm.a" } }
        try producer.send("stuck.x 1 1700000000")
        for t in 1...20 {
            try producer.send((0..<10).map { "more.s\($0) 1 \(1_700_000_000 + 60 * t)" }.joined(separator: "\n"))
        }
        producer.close()
        let shard = Int(SeriesKey.fingerprint("stuck.x") % 2)
        // The next /series finds that shard stuck (it sleeps 30 s on the batch).
        var answer: (status: Int, body: String) = (0, "")
        var seconds = 0.0
        try waitUntil("/series refused while the shard is stuck") {
            let start = Date()
            answer = try httpRequest("GET", "http://\(http)/series", timeout: 10)
            seconds = Date().timeIntervalSince(start)
            return answer.status == 503
        }
        #expect(answer.body.contains("shard \(shard) did not answer within 2.0 s"), "\(answer)")
        #expect(seconds < 4, "answered after \(seconds) s")
        let health = try httpRequest("GET", "http://\(http)/healthz", timeout: 5)
        #expect(health.status == 200)
        #expect(daemon.log.contains("/series: shard \(shard) did not answer"))
        daemon.signal(SIGKILL)  // not 30 s of a stuck shard at the stop
        #expect(daemon.waitForExit(timeout: 10))
    }

    @Test("Once the publisher's thread has ended, publishing returns at once and counts, past the queue's 65,536")
    func publisherGone() throws {
        let context = try ZMQContext()
        let publisher = try AlertPublisher(
            context: context, endpoint: "tcp://127.0.0.1:*", instance: "test", logger: Logger(label: "test"))
        let alert = Alert(
            status: .firing, severity: .warning, series: SeriesIdentity(key: "a"), startsAt: 0, endsAt: 0,
            sampleTime: 0, value: 1, predicted: 0, lower: 0, upper: 0, score: 0.9, threshold: 0.5,
            reason: .spike, modelVersion: 0)
        context.shutdown()  // the next send fails with ETERM and the thread ends
        publisher.take(alert)
        try waitUntil("the publisher refusing alerts") {
            publisher.take(alert)
            return publisher.droppedCount > 0
        }
        for _ in 0..<70_000 { publisher.take(alert) }
        #expect(publisher.droppedCount >= 70_000)
        publisher.stop()
    }
}
