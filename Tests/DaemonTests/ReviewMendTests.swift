import Foundation
import Logging
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// What a review of the issue-21 work found, each shown mended.
@Suite("Alert inbox, restore and memory charges")
struct ReviewMendTests {
    static func alert(_ status: Alert.Status, _ severity: Severity, at t: Double) -> Alert {
        Alert(
            status: status, severity: severity, series: SeriesIdentity(key: "inbox.s"), startsAt: 100,
            endsAt: status == .resolved ? t : t + 240, sampleTime: t, value: 1, predicted: 0, lower: 0, upper: 0,
            score: 0.9, threshold: 0.5, reason: .spike, modelVersion: 0)
    }

    @Test("An escalation whose firing the inbox replaced by its resolution still resolves the warning twin")
    func escalationCoalesced() throws {
        var config = AlertmanagerConfig()
        config.urls = ["http://127.0.0.1:9"]
        let book = AlertmanagerBook(config: config, instance: "test")
        book.take(Self.alert(.firing, .warning, at: 100), now: 1)
        _ = book.batch(for: config.urls[0], now: 1)  // the warning is in the book, sent
        // Between two drains: escalated to critical, then resolved. The inbox keeps only the resolution.
        book.take(Self.alert(.firing, .critical, at: 160), now: 2)
        book.take(Self.alert(.resolved, .critical, at: 220), now: 3)
        let next = book.batch(for: config.urls[0], now: 4)
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(next.body.utf8)) as? [[String: Any]])
        let warning = sent.first { ($0["labels"] as? [String: String])?["severity"] == "warning" }
        let ends = try #require(AlertmanagerTests.date(warning?["endsAt"]))
        #expect(ends <= 220, "the warning twin is sent resolved (endsAt \(ends)), not left firing")
    }

    @Test("A queue past its capacity keeps its newest alerts and counts the dropped ones, however many come at once")
    func queueCapacity() throws {
        var config = AlertmanagerConfig()
        config.urls = ["http://127.0.0.1:9"]
        config.queueCapacity = 10
        let book = AlertmanagerBook(config: config, instance: "test")
        for n in 0..<25 {
            let alert = Alert(
                status: .firing, severity: .critical, series: SeriesIdentity(key: "queue.s\(n)"), startsAt: 100,
                endsAt: 400, sampleTime: 100, value: 1, predicted: 0, lower: 0, upper: 0, score: 0.9, threshold: 0.5,
                reason: .spike, modelVersion: 0)
            book.take(alert, now: Double(n))
        }
        // All 25 are taken in at once (the inbox), and the queue is held to its 10 newest.
        let (length, dropped) = book.queue(of: config.urls[0])
        #expect(length == 10)
        #expect(dropped == 15)
        // The next batch re-sends what fell due (never sent: all 25); the 10 kept come first, newest included.
        let batch = book.batch(for: config.urls[0], now: 30, limit: 10)
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(batch.body.utf8)) as? [[String: Any]])
        let series = Set(sent.compactMap { ($0["labels"] as? [String: String])?["series"] })
        #expect(series == Set((15..<25).map { "queue.s\($0)" }), "\(series.sorted())")
    }

    @Test(
        "Restored series keep their state under keys made now, and are admitted against the budget with the prior shared"
    )
    func restoreRekeysAndAdmits() throws {
        var config = EngineConfig()
        config.shards = 1
        let network = Network(inputSize: config.predictor.inputSize, model: config.predictor.model)
        let prior = Predictor.initialWeights(network, seed: config.predictor.seed)
        let workspace = Workspace(network: network)
        func snapshot(_ key: String, samples: Int) -> SeriesSnapshot {
            let state = SeriesState(identity: SeriesIdentity(key: key), config: config.predictor, prior: prior)
            for t in 0..<samples {
                _ = try? state.predictor.step(value: Double(t % 7), timestamp: Double(60 * t), workspace: workspace)
            }
            // Through the bytes, as a checkpoint keeps it: the weights come back as a copy of their own.
            let bytes = SeriesSnapshot(state).encoded()
            return try! SeriesSnapshot.decode(bytes[...], config: config.predictor)
        }
        let old = snapshot(#"x{host-name="a"}"#, samples: 30)
        let fresh = Engine(config: config, logger: Logger(label: "test"), alerts: AlertHandler { _ in })
        defer { fresh.stop() }
        #expect(fresh.restore([old]).count == 1)
        let restored = try #require(try fresh.inspect(key: #"x{host_name="a"}"#).get())
        #expect(restored.samples == 30 && restored.bytes < 8_000, "\(restored.bytes) bytes: the prior is shared again")
        // A budget for about three such series: of ten, three are kept, the rest refused and counted.
        config.maxMemory = 3 * restored.bytes + restored.bytes / 2
        let tight = Engine(config: config, logger: Logger(label: "test"), alerts: AlertHandler { _ in })
        defer { tight.stop() }
        let kept = tight.restore((0..<10).map { snapshot("r\($0)", samples: 30) })
        #expect(kept.count == 3 && tight.stats.snapshot.rejected(.memoryLimit) == 7)
        #expect(try tight.inspect().get().count == 3)
    }
}
