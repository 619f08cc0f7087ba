import Foundation
import Logging
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

@Suite("Reload")
struct ReloadTests {
    @Test("A reloaded fire threshold is the one the scorer's refractory rule holds scores under")
    func refractoryFollowsReload() throws {
        var config = EngineConfig()
        config.shards = 1
        let harness = EngineHarness(config: config)
        var rng = SplitMix64(seed: 91)
        let calm = { (n: Int) in (0..<n).map { t in 50 + 10 * sin(Double(t) / 4) + 0.5 * rng.gaussian() } }
        // Two spikes 10 samples apart: the second comes within the refractory period of the first.
        // Each pair far beyond the range the last left, so that both score high.
        func twoSpikes(_ size: Double) throws -> (first: Double, second: Double) {
            var values = calm(20)
            values[0] += size
            values[10] += 10 * size
            _ = try harness.feed("r", values, startingAt: harness.scores.count)
            let scores = harness.scores.suffix(20)
            return (scores[scores.startIndex], scores[scores.startIndex + 10])
        }
        _ = try harness.feed("r", calm(600))
        let before = try twoSpikes(400)
        #expect(before.first >= 0.5 && before.second == 0.5.nextDown, "\(before)")
        _ = try harness.feed("r", calm(200), startingAt: harness.scores.count)
        var reloaded = LiveSettings(config)
        reloaded.alerts.fireThreshold = 0.7
        harness.engine.live.set(reloaded)
        let after = try twoSpikes(40_000)
        #expect(after.first >= 0.7 && after.second == 0.7.nextDown, "\(after)")
    }
}

@Suite("Reload verdicts")
struct ReloadVerdictTests {
    /// A new value for every key the table calls live, and where a running daemon shows it.
    static let liveChanges: [(yaml: String, shows: @Sendable (Engine, LogLevelSwitch, AlertmanagerService) -> Bool)] = [
        ("log_level: debug", { _, levels, _ in levels.level == .debug }),
        ("alerts: {fire_threshold: 0.61}", { engine, _, _ in engine.live.current.alerts.fireThreshold == 0.61 }),
        (
            "alerts: {critical_threshold: 0.91}",
            { engine, _, _ in engine.live.current.alerts.criticalThreshold == 0.91 }
        ),
        ("alerts: {resolve_threshold: 0.21}", { engine, _, _ in engine.live.current.alerts.resolveThreshold == 0.21 }),
        ("alerts: {pending_samples: 3}", { engine, _, _ in engine.live.current.alerts.pendingSamples == 3 }),
        ("alerts: {resolve_samples: 7}", { engine, _, _ in engine.live.current.alerts.resolveSamples == 7 }),
        ("alerts: {new_incident_after: 9}", { engine, _, _ in engine.live.current.alerts.newIncidentAfter == 9 }),
        ("alerts: {cool_down: 17.0}", { engine, _, _ in engine.live.current.alerts.coolDown == 17 }),
        ("alerts: {resend_interval: 19.0}", { engine, _, _ in engine.live.current.alerts.resendInterval == 19 }),
        ("training: {enabled: false}", { engine, _, _ in !engine.learning.isOn }),
        (
            "rules: [{match: \"{env=\\\"prod\\\"}\", direction: up}]",
            { engine, _, _ in
                engine.live.current.rules.rules.first?.direction == .up && engine.live.current.rulesGeneration == 1
            }
        ),
        (
            "training: {learning_rate: 0.0042}",
            { engine, _, _ in engine.live.current.training.optimizer.learningRate == 0.0042 }
        ),
        ("training: {gradient_clip: 2.5}", { engine, _, _ in engine.live.current.training.gradientClip == 2.5 }),
        ("training: {held_out: 3}", { engine, _, _ in engine.live.current.training.heldOut == 3 }),
        ("training: {learn_after: 77}", { engine, _, _ in engine.live.current.learnAfter == 77 }),
        ("series_ttl: 1234", { engine, _, _ in engine.live.current.absence.seriesTTL == 1234 }),
        ("absent: {enabled: false}", { engine, _, _ in !engine.live.current.absence.enabled }),
        ("absent: {after: 7}", { engine, _, _ in engine.live.current.absence.after == 7 }),
        ("absent: {min_seconds: 5}", { engine, _, _ in engine.live.current.absence.minimumSeconds == 5 }),
        ("absent: {storm_fraction: 0.25}", { engine, _, _ in engine.live.current.absence.stormFraction == 0.25 }),
        ("absent: {storm_min_series: 3}", { engine, _, _ in engine.live.current.absence.stormMinimumSeries == 3 }),
        ("alertmanager: {urls: [\"http://127.0.0.1:9\"]}", { _, _, sink in sink.urls == ["http://127.0.0.1:9"] }),
        ("alertmanager: {timeout: 3.5}", { _, _, sink in sink.book.config.timeout == 3.5 }),
        ("alertmanager: {resend_interval: 7.0}", { _, _, sink in sink.book.config.resendInterval == 7 }),
        ("alertmanager: {resolved_retention: 11.0}", { _, _, sink in sink.book.config.resolvedRetention == 11 }),
        ("alertmanager: {queue_capacity: 13}", { _, _, sink in sink.book.config.queueCapacity == 13 }),
        (
            "alertmanager: {bearer_token_file: \"/etc/hostname\"}",
            { _, _, sink in sink.book.config.bearerTokenFile == "/etc/hostname" }
        ),
        (
            "alertmanager: {external_url: \"http://x.example/\"}",
            { _, _, sink in sink.book.config.externalURL == "http://x.example/" }
        ),
    ]

    @Test("Every key the table calls live is applied by a reload, and named as applied; the others wait for a restart")
    func liveKeysAreApplied() throws {
        let base = try DaemonConfig.load(yaml: "shards: 1")
        for change in Self.liveChanges {
            let engine = Engine(config: base.engine, logger: Logger(label: "test"), alerts: AlertHandler { _ in })
            defer { engine.stop() }
            let levels = LogLevelSwitch(base.logLevel)
            let sink = try AlertmanagerService(
                config: base.alertmanager, instance: "test", metricsFactory: nil, logger: Logger(label: "test"))
            defer { sink.stopSenders() }
            let new = try DaemonConfig.load(yaml: "shards: 1\n" + change.yaml)
            let (applied, needRestart) = try Reload.apply(
                new, over: base, engine: engine, levels: levels, alertmanager: sink)
            #expect(applied.count == 1 && needRestart.isEmpty, "\(change.yaml): \(applied) \(needRestart)")
            #expect(change.shows(engine, levels, sink), "\(change.yaml) did not reach the running daemon")
        }
        let live = Set(DaemonConfig.keys.filter { $0.change == .live }.map(\.path))
        #expect(
            live.count == Self.liveChanges.count + SilenceBookTests.liveChanges.count,
            "a live key without a test of its reload: \(live.sorted())")
        let engine = Engine(config: base.engine, logger: Logger(label: "test"), alerts: AlertHandler { _ in })
        defer { engine.stop() }
        let restart = try DaemonConfig.load(yaml: "shards: 1\nmodel: {hidden_size: 8}\nscorer: {warm_up: 50}")
        let (applied, needRestart) = try Reload.apply(
            restart, over: base, engine: engine, levels: LogLevelSwitch(.info))
        #expect(applied.isEmpty && needRestart == ["model.hidden_size", "scorer.warm_up"])
        // An unreadable token file refuses the reload, and nothing of it is applied.
        let sink = try AlertmanagerService(
            config: base.alertmanager, instance: "test", metricsFactory: nil, logger: Logger(label: "test"))
        let unreadable = try DaemonConfig.load(
            yaml: "shards: 1\nalerts: {fire_threshold: 0.66}\nalertmanager: {bearer_token_file: \"/nonexistent/token\"}"
        )
        #expect(throws: ConfigError.self) {
            try Reload.apply(unreadable, over: base, engine: engine, levels: LogLevelSwitch(.info), alertmanager: sink)
        }
        #expect(engine.live.current.alerts.fireThreshold == base.engine.alerts.fireThreshold)
    }
}

@Suite("Engine")
struct EngineTests {
    /// Runs one sample of each of `series` series through an engine and waits until all are accounted for.
    func feed(series: Int, config: EngineConfig) throws -> EngineStats.Snapshot {
        let engine = Engine(config: config, logger: Logger(label: "test"), alerts: AlertHandler { _ in })
        let samples = (0..<series).map { Sample(key: "s\($0)", timestamp: 0, value: 1) }
        engine.submit(samples, acceptOutOfOrder: false)
        try waitUntil("every sample accounted for", poll: 0.001) {
            engine.stats.snapshot.samples + engine.stats.snapshot.skipped >= series
        }
        engine.stop()
        return engine.stats.snapshot
    }

    @Test("--shard I/N instances split the series between them exactly, and evenly")
    func instanceShardsPartition() throws {
        var counts: [Int] = []
        for index in 0..<3 {
            var config = EngineConfig()
            config.shards = 2
            config.instanceShard = InstanceShard(index: index, count: 3)
            let totals = try feed(series: 3000, config: config)
            #expect(totals.samples + totals.skipped == 3000)
            counts.append(totals.samples)
        }
        #expect(counts.reduce(0, +) == 3000)  // every series kept by exactly one instance
        #expect(counts.allSatisfy { $0 > 850 && $0 < 1150 }, "\(counts)")
    }

    @Test("Two instances with --shard 0/2 and 1/2 on the same stream together alert exactly like one instance")
    func splitInstancesAlertLikeOne() throws {
        // 24 series, a spike in each at its own time; training off, so every run is the same.
        var samples: [Sample] = []
        var rng = StreamLSTM.SplitMix64(seed: 9)
        for t in 0..<900 {
            for s in 0..<24 {
                let spike: Double = t == 450 + 17 * s ? 25 : 0
                samples.append(
                    Sample(
                        key: "split.s\(s)", timestamp: 1_700_000_000 + 60 * Double(t),
                        value: 10 + sin(Double(t) / 5 + Double(s)) + 0.2 * rng.gaussian() + spike))
            }
        }
        func alerts(_ shard: InstanceShard) throws -> [String] {
            var config = EngineConfig()
            config.shards = 2
            config.training = false
            config.instanceShard = shard
            let raised = Protected<[String]>([])
            let engine = Engine(
                config: config, logger: Logger(label: "test"),
                alerts: AlertHandler { alert in
                    raised.withLock {
                        $0.append(
                            "\(alert.seriesKey) \(alert.status) \(alert.severity) \(alert.sampleTime) \(alert.score)")
                    }
                })
            for batch in stride(from: 0, to: samples.count, by: 240) {
                engine.submit(Array(samples[batch..<min(batch + 240, samples.count)]), acceptOutOfOrder: false)
            }
            try waitUntil("every sample accounted for") {
                engine.stats.snapshot.samples + engine.stats.snapshot.skipped == samples.count
            }
            engine.stop()
            return raised.withLock { $0 }
        }
        let one = try alerts(.all).sorted()
        let halves = try alerts(InstanceShard(index: 0, count: 2))
        let others = try alerts(InstanceShard(index: 1, count: 2))
        #expect(one.count >= 24, "every spike fires: \(one.count)")
        #expect(!halves.isEmpty && !others.isEmpty)
        #expect((halves + others).sorted() == one)
    }

    @Test("Instance shards and shard threads use independent bits of the fingerprint")
    func independentSplits() {
        let fingerprints = (0..<4000).map { SeriesKey.fingerprint("series-\($0)") }
        let shard = InstanceShard(index: 0, count: 2)
        let kept = fingerprints.filter(shard.keeps)
        // Within the kept half, both shard threads (fingerprint % 2) still get about half each.
        let onThreadZero = kept.filter { $0 % 2 == 0 }.count
        #expect(Double(onThreadZero) / Double(kept.count) > 0.45 && Double(onThreadZero) / Double(kept.count) < 0.55)
        #expect(InstanceShard("1/2") == InstanceShard(index: 1, count: 2))
        #expect(InstanceShard("2/2")?.problem != nil && InstanceShard("x") == nil)
    }
}

@Suite("The series book")
struct SeriesBookTests {
    @Test("Every sample reaches the observer in its batch's order, one refused past the series cap in its own place")
    func observerOrder() {
        var config = EngineConfig()
        config.maxSeries = 1
        let book = SeriesBook.standalone(config: config, alerts: AlertHandler { _ in })
        var seen: [String] = []
        // A replay matches the observer's calls to its rows by order: a refusal out of place shifts every result.
        book.observer = { sample, result, _, _ in seen.append("\(sample.key):\(result == nil ? "refused" : "stepped")")
        }
        let batch = ["a", "b", "a", "c", "a"].enumerated().map { t, key in
            Sample(key: key, timestamp: 1_700_000_000 + Double(t), value: Double(t))
        }
        book.process(SampleBatch(samples: batch, acceptOutOfOrder: false))
        #expect(seen == ["a:stepped", "b:refused", "a:stepped", "c:refused", "a:stepped"])
    }

    @Test("Samples refused by the book are logged as the inputs log theirs: once per reason, with an example of it")
    func refusalsLogged() {
        var config = EngineConfig()
        config.maxSeries = 1
        let (logger, lines) = RecordingLogHandler.logger()
        let book = SeriesBook.standalone(
            config: config, label: "shard-0", logger: logger, alerts: AlertHandler { _ in })
        let first = (0..<5).map { Sample(key: "a", timestamp: 1_700_000_000 + Double($0), value: Double($0)) }
        book.process(SampleBatch(samples: first, acceptOutOfOrder: false))
        #expect(lines.all.isEmpty)
        // The same samples again (a file published twice), and one series past the cap.
        book.process(
            SampleBatch(
                samples: first + [Sample(key: "b", timestamp: 1_700_000_010, value: 1)], acceptOutOfOrder: false))
        let logged = lines.all.filter { $0.message == "rejected input" }
        #expect(logged.count == 2, "\(lines.all)")
        let byReason = Dictionary(uniqueKeysWithValues: logged.map { ("\($0.metadata["reason"]!)", $0.metadata) })
        #expect(byReason["out_of_order"]?["count"] == "4")  // the last sample again is not older than itself
        #expect("\(byReason["out_of_order"]?["example"] ?? "")".hasPrefix("a: timestamp"))
        #expect(byReason["series_limit"]?["count"] == "1")
        #expect("\(byReason["series_limit"]?["example"] ?? "")".contains("b"))
        #expect(logged.allSatisfy { $0.level == .warning && $0.metadata["series_book"] == "shard-0" })
        // Within the interval, more of the same are counted for the next line, not logged.
        book.process(SampleBatch(samples: first, acceptOutOfOrder: false))
        #expect(lines.all.filter { $0.message == "rejected input" }.count == 2)
    }
}
