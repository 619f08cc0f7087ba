import Foundation
import Logging
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// No checkpoint holds fewer series than the daemon had: a periodic snapshot that meets a stopping
/// shard is not written over the last good file.
@Suite("Checkpoints hold every series")
struct CheckpointCompletenessTests {
    static func time(_ t: Int) -> Double { 1_700_000_000 + 60 * Double(t) }

    static func series(in file: URL) -> [SeriesSnapshot] {
        let bytes = (try? Data(contentsOf: file)).map(Array.init) ?? []
        return CheckpointFile.read(bytes, config: EngineConfig().predictor).snapshots
    }

    @Test(
        "Periodic checkpoints while new series arrive never hold fewer than the last; after the shards stop, none is written"
    )
    func seriesCountNeverDrops() throws {
        let folder = try makeTemporaryFolder("complete")
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = EngineConfig()
        config.shards = 3
        let engine = Engine(config: config, logger: Logger(label: "test"), alerts: AlertHandler { _ in })
        let store = try CheckpointStore(directory: folder.path)
        let checkpointer = Checkpointer(
            store: store, engine: engine, interval: 3600, logger: Logger(label: "test"), metrics: nil)
        var written: [Int] = []
        for round in 0..<40 {
            // Five new series and a sample for every old one, while checkpoints are taken.
            let samples = (0..<(5 * (round + 1))).map { Sample(key: "s\($0)", timestamp: Self.time(round), value: 1) }
            engine.submit(samples, acceptOutOfOrder: false)
            checkpointer.writePeriodic()
            written.append(Self.series(in: store.file).count)
        }
        #expect(zip(written, written.dropFirst()).allSatisfy { $0 <= $1 }, "\(written)")
        try waitUntil("every series in") { engine.stats.series.load(ordering: .relaxed) == 200 }
        checkpointer.writePeriodic()
        #expect(Self.series(in: store.file).count == 200)
        engine.stop()
        checkpointer.writePeriodic()  // every shard stopped: nothing to write
        #expect(Self.series(in: store.file).count == 200)
    }

    @Test(
        "Stopped while a periodic checkpoint is taken and killed before the final one: the file on disk holds every series"
    )
    func stopRaceKeepsEverySeries() throws {
        let folder = try makeTemporaryFolder("stop-race")
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("state")
        let configFile = try writeFile("streamlstmd.yaml", in: folder, "checkpoint_interval: 1\n")
        let daemon = try RunningDaemon.onLoopback(
            ["--config", configFile.path, "--http", "127.0.0.1:0", "--state-dir", state.path, "--shards", "4"],
            environment: ["STREAMLSTMD_FAULT_CHECKPOINT_STOP_RACE": "1"])
        let input = try daemon.waitForLog(#"endpoints=(tcp://127\.0\.0\.1:\d+)"#)
        let producer = try Producer(connect: input)
        for t in 0..<20 {
            try producer.send((0..<12).map { "race.s\($0) \(Double(t)) \(Int(Self.time(t)))" }.joined(separator: "\n"))
        }
        producer.close()
        let file = state.appendingPathComponent("series.ckpt")
        try waitUntil("a checkpoint with all 12 series, 20 samples each") {
            let saved = Self.series(in: file)
            return saved.count == 12 && saved.allSatisfy { $0.predictor.sampleCount == 20 }
        }
        daemon.signal(SIGTERM)
        _ = try daemon.waitForLog("fault injected: the final checkpoint is withheld")
        daemon.signal(SIGKILL)
        #expect(daemon.waitForExit(timeout: 10))
        let saved = Self.series(in: file)
        #expect(saved.count == 12, "the file holds \(saved.count) of 12 series")
        #expect(daemon.log.contains("checkpoint not written: the snapshot lacks series"), "said so")
    }
}
