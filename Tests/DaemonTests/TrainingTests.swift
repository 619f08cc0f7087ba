import Foundation
import Logging
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Online fine-tuning in the engine: shards, the background training queues, adoption.
@Suite("Online training")
struct TrainingTests {
    static let change = 2000

    /// A sine (amplitude 3, noise 0.15) whose period goes from 40 to 12 samples at `change`, for good.
    static func persistingChange(count: Int = 5000) -> [Double] {
        var rng = SplitMix64(seed: 5)
        var phase = 0.0
        return (0..<count).map { t in
            phase += 2 * Double.pi / (t < change ? 40 : 12)
            return 10 + 3 * sin(phase) + 0.15 * rng.gaussian()
        }
    }

    static func sampleIndex(_ alert: Alert) -> Int { Int((alert.sampleTime - 1_700_000_000) / 60) }

    @Test("A persisting change is flagged, then learned and resolved; with training off the errors stay high")
    func persistingChangeIsLearned() throws {
        var outcomes: [Bool: (residuals: [Double], alerts: [Alert], state: String)] = [:]
        for training in [true, false] {
            var config = EngineConfig()
            config.shards = 1
            let harness = EngineHarness(config: config)
            let values = Self.persistingChange()
            // Both runs learn the first pattern; at the change one of them stops learning.
            var residuals = try harness.feed("m", Array(values[..<Self.change]))
            harness.engine.learning.set(training)
            residuals += try harness.feed("m", Array(values[Self.change...]), startingAt: Self.change)
            outcomes[training] = (residuals, harness.raised, harness.summary("m")?.alert ?? "?")
        }
        let learned = try #require(outcomes[true])
        let frozen = try #require(outcomes[false])
        for (name, run) in [("learning", learned), ("frozen", frozen)] {
            let resolved = run.alerts.filter { $0.status == .resolved }.map(Self.sampleIndex)
            print("persisting change, \(name): resolved at \(resolved)")
        }
        let before = rms(learned.residuals[1000..<Self.change])
        print(
            String(
                format: "persisting change: RMS residual before %.3f; samples 4000-5000: learning %.3f, frozen %.3f",
                before, rms(learned.residuals[4000...]), rms(frozen.residuals[4000...])))
        for run in [learned, frozen] {
            let first = run.alerts.first { $0.status == .firing }.map(Self.sampleIndex)
            #expect(
                first.map { $0 >= Self.change && $0 <= Self.change + 20 } == true,
                "first alert at \(String(describing: first))")
        }
        // Learning: back to the old error level, resolved, quiet.
        #expect(rms(learned.residuals[4000...]) < 1.3 * before)
        #expect(learned.alerts.contains { $0.status == .resolved && Self.sampleIndex($0) > Self.change })
        #expect(!learned.alerts.contains { Self.sampleIndex($0) >= 4000 })
        #expect(learned.state == "normal")
        // Frozen: the errors stay up. The scorer's fits take a change that lasts as the new normal
        // (see AnomalyScorer.score), so this alert ends too, but the model has learned nothing.
        #expect(rms(frozen.residuals[4000...]) > 3 * before)
        #expect(frozen.alerts.contains { $0.status == .resolved && Self.sampleIndex($0) > Self.change })
    }

    @Test("A short incident pauses training from the first alert until a window after it resolves")
    func noTrainingWhileFiring() throws {
        var config = EngineConfig()
        config.shards = 1
        let harness = EngineHarness(config: config)
        var values = Self.persistingChange(count: Self.change)
        values += Array(Self.persistingChange(count: 200).prefix(200))  // the first pattern again
        values[Self.change] += 40  // a spike: a short incident
        _ = try harness.feed("m", Array(values[..<Self.change]))
        let versionBefore = try #require(harness.summary("m")).modelVersion
        let startedBefore = harness.engine.stats.snapshot.training(.started)
        var firingVersions: [Int] = []
        var startedWhileFiring = 0
        var t = Self.change
        repeat {
            let started = harness.engine.stats.snapshot.training(.started)
            _ = try harness.feed("m", [values[t]], startingAt: t)
            let summary = try #require(harness.summary("m"))
            if summary.alert == "firing" {
                firingVersions.append(summary.modelVersion)
                startedWhileFiring += harness.engine.stats.snapshot.training(.started) - started
            }
            t += 1
        } while t < values.count && (harness.summary("m")?.alert != "normal" || t < Self.change + 2)
        let resolvedAt = t
        #expect(!firingVersions.isEmpty, "the spike did not fire")
        #expect(startedWhileFiring == 0)
        #expect(Set(firingVersions) == [versionBefore])
        #expect(harness.engine.stats.snapshot.training(.started) == startedBefore)
        // After the resolution, one window (64 samples) passes before the next job.
        _ = try harness.feed("m", Array(values[resolvedAt..<(resolvedAt + 60)]), startingAt: resolvedAt)
        #expect(harness.engine.stats.snapshot.training(.started) == startedBefore)
        _ = try harness.feed("m", Array(values[(resolvedAt + 60)..<(resolvedAt + 100)]), startingAt: resolvedAt + 60)
        #expect(harness.engine.stats.snapshot.training(.started) > startedBefore)
    }
}

/// Run under ThreadSanitizer too: `swift test --sanitize=thread --filter ConcurrencyTests`.
@Suite("Training concurrency")
struct ConcurrencyTests {
    /// Two shards and two training lanes, small models that train every other sample: as many
    /// results landing between samples as possible.
    static var busyTraining: EngineConfig {
        var config = EngineConfig()
        config.shards = 2
        config.trainingConcurrency = 2
        config.predictor.training = TrainingConfig(every: 2, window: 8, heldOut: 2)
        config.predictor.model.hiddenSize = 8
        config.trainingPriority = .normal  // on a busy test machine low-priority jobs might run late
        return config
    }

    @Test("One series hammered with samples while training results land: versions only grow, state stays whole")
    func hammer() throws {
        var config = Self.busyTraining
        config.queueCapacity = 4  // keep the watcher's questions close behind the samples
        let harness = EngineHarness(config: config, lockstep: false)
        let engine = harness.engine
        let observed = Protected<[Int]>([])
        let stop = Protected(false)
        let watcher = Thread {
            while !stop.withLock({ $0 }) {
                if let summary = try? engine.inspect(key: "hot", within: 60).get() {
                    observed.withLock { $0.append(summary.modelVersion) }
                }
            }
        }
        watcher.start()
        var rng = SplitMix64(seed: 9)
        var submitted = 0
        for round in 0..<400 {
            // 50 samples a message, the hot series interleaved with a few others.
            let batch = (0..<50).map { k in
                let t = round * 50 + k
                return Sample(
                    key: k % 5 == 0 ? "cold\(k)" : "hot", timestamp: Double(t),
                    value: sin(Double(t) / 7) + 0.1 * rng.gaussian())
            }
            engine.submit(batch, acceptOutOfOrder: true)
            submitted += batch.count
        }
        try waitUntil("every sample processed", poll: 0.001) { engine.stats.snapshot.samples >= submitted }
        stop.withLock { $0 = true }
        try waitUntil("the watcher thread ends", poll: 0.001) { !watcher.isExecuting }
        let versions = observed.withLock { $0 }
        let totals = engine.stats.snapshot
        #expect(totals.samples == submitted)
        #expect(Set(versions).count > 3, "the watcher saw too little: \(versions.count) answers")
        #expect(zip(versions, versions.dropFirst()).allSatisfy { $0 <= $1 }, "a model version went back")
        #expect(totals.training(.started) > 100)
        #expect(totals.training(.adopted) + totals.training(.rolledBack) > 10)
        let hot = try #require(harness.summary("hot"))
        #expect(hot.residualRMS.isFinite && hot.forecast?.isFinite == true)
        #expect(hot.modelVersion >= versions.last ?? 0)
    }

    @Test("Checkpoint snapshots taken and encoded on another thread while samples and training results land")
    func snapshotsWhileRunning() throws {
        let config = Self.busyTraining
        let engine = Engine(config: config, logger: Logger(label: "test"), alerts: AlertHandler { _ in })
        defer { engine.stop() }
        let predictorConfig = config.predictor
        let seriesCount = 1500  // several snapshot chunks per shard
        let done = Protected(false)
        let checked = Protected<(snapshots: Int, series: Int, problems: [String])>((0, 0, []))
        let checkpointer = Thread {
            var lastCount: [String: Int] = [:]
            while !done.withLock({ $0 }) {
                let snapshots = engine.snapshot().snapshots
                for snapshot in snapshots {
                    let entry = CheckpointFile.entry(snapshot)
                    let contents = CheckpointFile.read(
                        CheckpointFile.header(writtenAt: 0) + entry + CheckpointFile.end(count: 1),
                        config: predictorConfig)
                    guard let back = contents.snapshots.first, contents.problem == nil else {
                        checked.withLock { $0.problems.append("\(snapshot.key): \(contents.problem ?? "none read")") }
                        continue
                    }
                    let count = back.predictor.sampleCount
                    if count < lastCount[back.key, default: 0] {
                        checked.withLock {
                            $0.problems.append("\(back.key) went back from \(lastCount[back.key]!) to \(count)")
                        }
                    }
                    lastCount[back.key] = count
                }
                checked.withLock {
                    $0.snapshots += 1
                    $0.series = max($0.series, snapshots.count)
                }
            }
        }
        checkpointer.start()
        var submitted = 0
        for round in 0..<40 {
            let batch = (0..<seriesCount).map { k in
                Sample(key: "s\(k)", timestamp: Double(round), value: sin(Double(round + k) / 3))
            }
            engine.submit(batch, acceptOutOfOrder: false)
            submitted += batch.count
        }
        try waitUntil("every sample processed", timeout: 120) { engine.stats.snapshot.samples == submitted }
        // Two more snapshots: the second of them began after every series existed.
        let taken = checked.withLock { $0.snapshots }
        try waitUntil("a snapshot after the last sample", timeout: 120) {
            checked.withLock { $0.snapshots } >= taken + 2
        }
        done.withLock { $0 = true }
        try waitUntil("the checkpointing thread ends", poll: 0.001) { !checkpointer.isExecuting }
        let result = checked.withLock { $0 }
        #expect(result.problems.isEmpty, "\(result.problems.prefix(5))")
        #expect(result.series == seriesCount)
    }
}
