import Foundation
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTM
@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Checkpoints: the file format in-process, then the built daemon killed,
/// restarted and fed damaged files.
@Suite("Checkpoints")
struct CheckpointTests {
    static let config = EngineConfig().predictor

    /// A checkpoint written by an earlier release (`Fixtures/`), read as this release reads one.
    static func fixture(_ name: String) throws -> CheckpointFile.Contents {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/\(name)")
        return try MappedFile(path: file.path).withBytes { CheckpointFile.read($0, config: config) }
    }

    /// The series of an earlier release's fixture, `fixture.sine` and `fixture.ramp` of 400 samples each, read
    /// whole; each, rewritten in this release's format, reads back bit for bit.
    static func earlierRelease(_ name: String) throws -> [SeriesSnapshot] {
        let contents = try fixture(name)
        #expect(contents.problem == nil && contents.damaged == 0)
        #expect(Set(contents.snapshots.map(\.key)) == ["fixture.sine", "fixture.ramp"])
        for snapshot in contents.snapshots {
            #expect(snapshot.predictor.sampleCount == 400)
            let bytes = snapshot.predictor.serialized()
            #expect(try Predictor(serialized: bytes).serialized() == bytes)
        }
        return contents.snapshots
    }

    /// Series that have seen `samples` values of a noisy cycle and trained on them.
    static func snapshots(count: Int, samples: Int = 400) -> [SeriesSnapshot] {
        let network = Network(inputSize: config.inputSize, model: config.model)
        let workspace = Workspace(network: network)
        let trainer = Trainer(network: network, maxWindow: config.training.window)
        return (0..<count).map { index in
            let key = "ckpt.series\(index)"
            let state = SeriesState(
                identity: SeriesIdentity(key: key), config: config,
                prior: Predictor.initialWeights(network, seed: config.seed))
            for t in 0..<samples {
                let value = 10 * sin(Double(t) / 6) + Double(index)
                try! state.predictor.step(value: value, timestamp: 1_700_000_000 + 60 * Double(t), workspace: workspace)
                if let job = state.predictor.makeTrainingJob() { state.predictor.adopt(trainer.run(job)) }
            }
            state.record.alert =
                index == 1
                ? .firing(
                    since: 1_700_000_600, lastSent: 1_700_000_900, severity: .critical,
                    calmSamples: 2, quietSamples: 0) : .normal(quietUntil: 1_700_000_000)
            state.record.lastTimestamp = 1_700_000_000 + 60 * Double(samples - 1)
            return SeriesSnapshot(state)
        }
    }

    static func fileBytes(_ snapshots: [SeriesSnapshot]) -> [UInt8] {
        CheckpointFile.header(writtenAt: 1_700_000_000) + snapshots.flatMap(CheckpointFile.entry)
            + CheckpointFile.end(count: snapshots.count)
    }

    static func same(_ a: SeriesSnapshot, _ b: SeriesSnapshot) -> Bool {
        a.encoded() == b.encoded()
    }

    @Test("A checkpoint round trip is exact: weights, moments, state, scorer, alert state")
    func roundTrip() throws {
        let originals = Self.snapshots(count: 4)
        #expect(originals.allSatisfy { $0.predictor.modelVersion > 0 })
        let folder = try makeTemporaryFolder("ckpt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try CheckpointStore(directory: folder.path)
        let written = try store.write(originals)
        #expect(written.series == 4)
        let restored = store.restore(config: Self.config, logger: .init(label: "test"))
        #expect(restored.contents.problem == nil)
        #expect(restored.snapshots.count == 4)
        #expect(zip(originals, restored.snapshots).allSatisfy(Self.same))
        #expect(restored.snapshots[1].record == originals[1].record)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("series.ckpt.tmp").path))
    }

    @Test("A checkpoint of the previous format (32-bit weights and moments) restores, and the series keep their models")
    func previousFormat() throws {
        // Written by the daemon of the previous release (record version 2): two series of 400 samples,
        // 60 s apart, `fixture.sine` = 10 sin(t/6), `fixture.ramp` = t/2 + 3 cos(t/4); both trained.
        let snapshots = try Self.earlierRelease("checkpoint-record-v2.ckpt")
        for snapshot in snapshots {
            #expect(snapshot.predictor.modelVersion > 10 && !snapshot.predictor.moments.isEmpty)
        }
        let sine = try #require(snapshots.first { $0.key == "fixture.sine" }?.predictor)
        // The learned sine model forecasts the continuation better than a fresh (last-value) one.
        let fresh = Predictor(config: Self.config)
        let workspace = Workspace(network: sine.network)
        var learned = 0.0
        var untrained = 0.0
        for t in 0..<500 {
            let value = 10 * sin(Double(t) / 6)
            let time = 1_700_000_000 + 60 * Double(t)
            let f = try fresh.step(value: value, timestamp: time, workspace: workspace)
            guard t >= 400 else { continue }
            let r = try sine.step(value: value, timestamp: time, workspace: workspace)
            if t > 400 {
                learned += r.residual * r.residual
                untrained += f.residual * f.residual
            }
        }
        #expect(learned < untrained / 4, "squared residuals: restored \(learned), fresh \(untrained)")
    }

    @Test("A checkpoint of record version 3 (no incident in the scorer) restores every series whole")
    func versionThree() throws {
        // Written by the daemon of the previous release (record version 3) on the same two series as
        // the version 2 fixture (400 samples, 60 s apart, published at 200 samples/s), default settings.
        // Read with version 4's layout, every entry would be short by the incident's fields, and damaged.
        for snapshot in try Self.earlierRelease("checkpoint-record-v3.ckpt") {
            let predictor = snapshot.predictor
            #expect(predictor.modelVersion > 1 && !predictor.moments.isEmpty)
            #expect(predictor.scorer.incident == IncidentProgress())
        }
    }

    @Test("A checkpoint of record version 5 (no recent range) restores every series, its recent range empty")
    func versionFive() throws {
        // Written by the daemon of the previous release (record version 5) on two series (a sine and a
        // ramp, 400 samples 60 s apart, published at 200 samples/s), default settings.
        // Read with version 6's layout, every entry would be short by the recent range, and damaged.
        for snapshot in try Self.earlierRelease("checkpoint-record-v5.ckpt") {
            let predictor = snapshot.predictor
            #expect(predictor.modelVersion > 1)
            #expect(predictor.scorer.recent == RecentRange())
            #expect(predictor.config.scorer.recentRangeMargin == ScorerConfig().recentRangeMargin)
        }
    }

    @Test("A checkpoint of record version 6 (no clipped spread) restores every series, the spread from the variance")
    func versionSix() throws {
        // Written by the daemon of the previous release (record version 6) on two series of 400 samples
        // 60 s apart, published at 200 samples/s, default settings: `fixture.sine` = 50 + 10 sin(2πt/60)
        // and `fixture.ramp` = 10 + t/20. Read with version 7's layout, every entry would be short by the
        // clipped spread, and damaged.
        for snapshot in try Self.earlierRelease("checkpoint-record-v6.ckpt") {
            let scorer = snapshot.predictor.scorer
            #expect(scorer.recent != RecentRange(), "version 6 kept the recent range")
            #expect(scorer.drift.longVariance > 0)
            #expect(scorer.drift.clippedSpread.meanSquare == scorer.drift.longVariance)
            #expect(scorer.drift.clippedSpread.count == scorer.drift.count - 1)
        }
    }

    @Test("A checkpoint of record version 7 (no relative-drop fits) restores every series, those fits empty")
    func versionSeven() throws {
        // Written by the daemon of the previous release (record version 7) as the version 6 fixture was:
        // two series of 400 samples 60 s apart, published at 200 samples/s, default settings. Read with
        // version 8's layout, every entry would be short by the relative-drop fits, and damaged.
        for snapshot in try Self.earlierRelease("checkpoint-record-v7.ckpt") {
            let scorer = snapshot.predictor.scorer
            #expect(scorer.drift.clippedSpread.count > 0, "version 7 kept the clipped spread")
            #expect(scorer.relativeDrop == RelativeDrop(tailTimeConstant: ScorerConfig().distributionTimeConstant))
        }
    }

    @Test("Damage costs only the series it touches: truncation, a flipped bit, another version")
    func damage() throws {
        let originals = Self.snapshots(count: 5)
        let bytes = Self.fileBytes(originals)
        let entrySizes = originals.map { CheckpointFile.entry($0).count }
        let header = CheckpointFile.header(writtenAt: 0).count

        // Truncated inside the fourth entry: the first three are kept.
        let cut = header + entrySizes[0..<3].reduce(0, +) + entrySizes[3] / 2
        let truncated = CheckpointFile.read(Array(bytes[..<cut]), config: Self.config)
        #expect(truncated.snapshots.count == 3 && truncated.problem?.hasPrefix("truncated") == true)
        // Without the end marker only.
        let unmarked = CheckpointFile.read(Array(bytes.dropLast(16)), config: Self.config)
        #expect(unmarked.snapshots.count == 5 && unmarked.problem != nil)

        // One bit flipped in the second entry's weights: that series is lost, the other four kept.
        var flipped = bytes
        flipped[header + entrySizes[0] + entrySizes[1] / 2] ^= 0x10
        let damaged = CheckpointFile.read(flipped, config: Self.config)
        #expect(damaged.damaged == 1 && damaged.snapshots.count == 4 && damaged.problem != nil)
        #expect(damaged.snapshots.map(\.key) == ["ckpt.series0", "ckpt.series2", "ckpt.series3", "ckpt.series4"])

        // One bit flipped in the second entry's length: the reader finds the third entry's frame again.
        var length = bytes
        length[header + entrySizes[0] + 5] ^= 0x02
        let resynced = CheckpointFile.read(length, config: Self.config)
        #expect(resynced.snapshots.map(\.key) == ["ckpt.series0", "ckpt.series2", "ckpt.series3", "ckpt.series4"])

        // A future format version, in a sound header: nothing is read, and the reason says so.
        var future = bytes
        future[4] = 4
        var checksum = ByteWriter()
        checksum.write(CRC32.checksum(future[0..<16]))
        future.replaceSubrange(16..<20, with: checksum.bytes)
        let newer = CheckpointFile.read(future, config: Self.config)
        #expect(newer.snapshots.isEmpty && newer.problem?.contains("version 4") == true)
    }

    @Test("Every single-bit flip of a checkpoint keeps every entry the flip does not touch")
    func everyBitFlip() {
        let originals = Self.snapshots(count: 3, samples: 80)
        let bytes = Self.fileBytes(originals)
        let header = CheckpointFile.header(writtenAt: 0).count
        var spans: [Range<Int>] = []
        for snapshot in originals {
            let start = spans.last?.upperBound ?? header
            spans.append(start..<(start + CheckpointFile.entry(snapshot).count))
        }
        // Every bit of the header, the frames and the end; a seeded sample of the records' bits.
        var rng = SplitMix64(seed: 14)
        var positions = Array(0..<(header * 8))
        for span in spans {
            positions += (span.lowerBound * 8)..<((span.lowerBound + CheckpointFile.frameSize) * 8)
            positions += ((span.upperBound - 4) * 8)..<(span.upperBound * 8)
            positions += (0..<300).map { _ in span.lowerBound * 8 + Int(rng.next() % UInt64(span.count * 8)) }
        }
        positions += ((bytes.count - 16) * 8)..<(bytes.count * 8)
        var failures: [String] = []
        for bit in positions {
            var flipped = bytes
            flipped[bit / 8] ^= UInt8(1 << (bit % 8))
            let contents = CheckpointFile.read(flipped, config: Self.config)
            let touched = spans.firstIndex { $0.contains(bit / 8) }
            let wanted = originals.indices.filter { $0 != touched }.map { originals[$0].key }
            let kept = contents.snapshots.map(\.key)
            if !wanted.allSatisfy(kept.contains) || contents.problem == nil {
                failures.append("bit \(bit): kept \(kept), problem \(contents.problem ?? "none")")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5)) of \(failures.count) in \(positions.count) flips")
    }

    @Test("A changed scorer keeps the learned state; a changed model shape starts the series afresh")
    func configurationChanges() {
        let bytes = Self.fileBytes(Self.snapshots(count: 2))
        var scorer = Self.config
        scorer.scorer.refractory = 7
        scorer.scorer.errorScale = 2
        let kept = CheckpointFile.read(bytes, config: scorer)
        #expect(kept.snapshots.count == 2 && kept.problem == nil)
        #expect(kept.snapshots[0].predictor.config.scorer.refractory == 7)
        var model = Self.config
        model.model.hiddenSize = 8
        let fresh = CheckpointFile.read(bytes, config: model)
        #expect(fresh.snapshots.isEmpty && fresh.incompatible == 2 && fresh.problem == nil)
    }

    /// The built daemon started on a state directory holding `bytes` as its checkpoint, and its HTTP address.
    static func daemon(restoring bytes: [UInt8], in folder: URL) throws -> (daemon: RunningDaemon, http: String) {
        try Data(bytes).write(to: folder.appendingPathComponent("series.ckpt"))
        let daemon = try RunningDaemon.onLoopback(["--http", "127.0.0.1:0", "--state-dir", folder.path])
        return (daemon, try daemon.waitForLog(#"http on (127\.0\.0\.1:\d+)"#))
    }

    @Test("The daemon sets a damaged checkpoint aside, says so, and serves every series it could read")
    func daemonSetsAside() throws {
        let originals = Self.snapshots(count: 3)
        let header = CheckpointFile.header(writtenAt: 0).count
        var bytes = Self.fileBytes(originals)
        bytes[header + CheckpointFile.entry(originals[0]).count + 100] ^= 0x01  // inside the second series
        let folder = try makeTemporaryFolder("ckpt-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (daemon, http) = try Self.daemon(restoring: bytes, in: folder)
        _ = try daemon.waitForLog("series_damaged=1 series_kept=2.*checkpoint unsound: set aside")
        let series = try seriesList(http)
        #expect(series.map(\.key) == ["ckpt.series0", "ckpt.series2"])
        #expect(series.allSatisfy { $0.samples == 400 && $0.modelVersion > 0 })
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names.contains { $0.hasPrefix("series.ckpt.bad-") })
        #expect(try daemon.terminate().status == 0)
        // The last checkpoint holds the two series again, soundly.
        let rewritten = CheckpointFile.read(
            Array(try Data(contentsOf: folder.appendingPathComponent("series.ckpt"))),
            config: Self.config)
        #expect(rewritten.problem == nil && rewritten.snapshots.count == 2)
    }

    @Test("A flipped bit in the checkpoint's header: the daemon starts, says so, and serves every series")
    func damagedHeader() throws {
        let originals = Self.snapshots(count: 3)
        var bytes = Self.fileBytes(originals)
        bytes[13] ^= 0x40  // the written-at time
        let folder = try makeTemporaryFolder("ckpt-header")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (daemon, http) = try Self.daemon(restoring: bytes, in: folder)
        _ = try daemon.waitForLog(
            "damaged header.*checkpoint unsound: set aside|checkpoint unsound: set aside.*damaged header")
        #expect(try seriesList(http).map(\.key).sorted() == originals.map(\.key))
        #expect(try daemon.terminate().status == 0)
    }

    @Test("Killed after a checkpoint and restarted: learned models resume; a firing alert is neither repeated nor lost")
    func crashAndRestart() throws {
        let folder = try makeTemporaryFolder("crash")
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("state")
        let configFile = try writeFile(
            "streamlstmd.yaml", in: folder,
            "checkpoint_interval: 1\nalerts:\n  resend_interval: 1000000\ntraining:\n  priority: normal\n")
        let arguments = [
            "run", "--config", configFile.path, "--listen", "tcp://127.0.0.1:*", "--alerts", "tcp://127.0.0.1:*",
            "--http", "127.0.0.1:0", "--status-interval", "0", "--state-dir", state.path, "--shards", "2",
        ]
        var rng = SplitMix64(seed: 5)
        var values: [(a: Double, b: Double)] = []
        for t in 0..<3000 {
            let spike: Double = t == 2700 ? 40 : 0
            let a = 50 + 10 * sin(2 * Double.pi * Double(t) / 40) + 0.5 * rng.gaussian() + spike
            // crash.b's incident: wild swings for 100 samples, 2,450-2,549.
            let swing: Double = (2450..<2550).contains(t) ? (t % 2 == 0 ? 30 : -30) : 0
            values.append((a, 20 + 0.5 * rng.gaussian() + swing))
        }
        func time(_ t: Int) -> Double { 1_700_000_000 + 60 * Double(t) }

        // Before the crash: 2,500 samples; crash.b has been firing since its incident began at 2,450.
        let first = try RunningDaemon(arguments)
        let input1 = try first.waitForLog(#"endpoints=(tcp://127\.0\.0\.1:\d+)"#)
        let http1 = try first.waitForLog(#"http on (127\.0\.0\.1:\d+)"#)
        try publish(values, range: 0..<2500, to: input1, time: time)
        var seen: [(key: String, samples: Int, modelVersion: Int, alert: String, forecast: Double?)] = []
        do {
            try waitUntil("both series at 2,500 samples, crash.b firing") {
                seen = try seriesList(http1)
                return seen.count == 2 && seen.allSatisfy { $0.samples == 2500 } && seen.last?.alert == "firing"
            }
        } catch {
            Issue.record("\(error); /series: \(seen); log: \(first.log.suffix(2000))")
            return
        }
        var saved = CheckpointFile.Contents()
        try waitUntil("a checkpoint with both series at 2,500 samples") {
            let bytes = (try? Data(contentsOf: state.appendingPathComponent("series.ckpt"))).map(Array.init) ?? []
            saved = CheckpointFile.read(bytes, config: EngineConfig().predictor)
            return saved.snapshots.count == 2 && saved.snapshots.allSatisfy { $0.predictor.sampleCount == 2500 }
        }
        let a = try #require(saved.snapshots.first { $0.key == "crash.a" })
        let b = try #require(saved.snapshots.first { $0.key == "crash.b" })
        #expect(a.predictor.modelVersion > 0, "crash.a has learned")
        guard case .firing(let since, _, _, _, _) = b.record.alert else {
            Issue.record("crash.b is not firing in the checkpoint: \(b.record.alert)")
            return
        }
        #expect(since == time(2450))
        first.signal(SIGKILL)
        #expect(first.waitForExit(timeout: 10))

        // After the restart: the same models, the same alert.
        let second = try RunningDaemon(arguments)
        let input2 = try second.waitForLog(#"endpoints=(tcp://127\.0\.0\.1:\d+)"#)
        let http2 = try second.waitForLog(#"http on (127\.0\.0\.1:\d+)"#)
        let alertsEndpoint = try second.waitForLog(#"alerts on (tcp://127\.0\.0\.1:\d+)"#)
        _ = try second.waitForLog("series=2.*restored")
        let restored = try seriesList(http2)
        #expect(restored.first { $0.key == "crash.a" }?.modelVersion == a.predictor.modelVersion)
        // The restarted daemon's next forecast is the checkpointed model's (to JSON's precision).
        let forecast = try #require(restored.first { $0.key == "crash.a" }?.forecast)
        #expect(abs(forecast - (a.predictor.forecast ?? .nan)) < 1e-9 * abs(forecast))
        #expect(restored.first { $0.key == "crash.b" }?.alert == "firing")
        let received = Protected<[ReceivedAlert]>([])
        let subscriber = try AlertSubscriber(endpoint: alertsEndpoint) { alert in received.withLock { $0.append(alert) }
        }
        defer { subscriber.stop() }
        try publish(values, range: 2500..<3000, to: input2, time: time)
        try waitUntil("crash.b resolved and crash.a's spike at 2,700 fired") {
            let alerts = received.withLock { $0 }
            return alerts.contains { $0.series == "crash.b" && $0.status == "resolved" }
                && alerts.contains { $0.series == "crash.a" && $0.status == "firing" }
        }
        let alerts = received.withLock { $0 }
        let bAlerts = alerts.filter { $0.series == "crash.b" }
        #expect(bAlerts.count == 1, "crash.b: one resolution and no second firing: \(bAlerts.map(\.status))")
        #expect(bAlerts.first?.startsAt == rfc3339(time(2450)))
        // A fresh scorer would still be warming up 200 samples after a restart; the restored one flags the spike.
        #expect(alerts.first { $0.series == "crash.a" && $0.status == "firing" }?.sampleTime == time(2700))
        _ = try second.terminate()

        // The checkpointed model predicts the continuation like a trained model, unlike a fresh one.
        let network = Network(inputSize: a.predictor.config.inputSize, model: a.predictor.config.model)
        let workspace = Workspace(network: network)
        let fresh = Predictor(config: a.predictor.config)
        var restoredSquares = 0.0
        var freshSquares = 0.0
        for t in 2500..<2700 {
            let r = try a.predictor.step(value: values[t].a, timestamp: time(t), workspace: workspace)
            let f = try fresh.step(value: values[t].a, timestamp: time(t), workspace: workspace)
            if t > 2500 {
                restoredSquares += r.residual * r.residual
                freshSquares += f.residual * f.residual
            }
        }
        print(
            "after restart, samples 2501-2699 of crash.a: RMS residual \((restoredSquares / 199).squareRoot()) restored, \((freshSquares / 199).squareRoot()) fresh"
        )
        #expect(restoredSquares < freshSquares, "the learned model beats a fresh one (last-value prediction)")
    }

    /// Sends samples as Graphite lines, 50 of each series per message, once the daemon has subscribed.
    private func publish(
        _ values: [(a: Double, b: Double)], range: Range<Int>, to endpoint: String,
        time: (Int) -> Double
    ) throws {
        let producer = try Producer(connect: endpoint)
        for start in stride(from: range.lowerBound, to: range.upperBound, by: 50) {
            var lines: [String] = []
            for t in start..<min(start + 50, range.upperBound) {
                lines.append("crash.a \(values[t].a) \(Int(time(t)))")
                lines.append("crash.b \(values[t].b) \(Int(time(t)))")
            }
            try producer.send(lines.joined(separator: "\n"))
        }
        producer.close()
    }
}
