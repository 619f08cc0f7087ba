import Foundation
import Logging
import StreamLSTM
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// What a checkpoint costs: the pause a shard takes to snapshot its series,
/// writing (encode, checksum, fsync, rename) and restoring, for N learned
/// series with the default model.
package struct CheckpointBenchmark {
    /// The benchmark's own check: a restore gave back fewer series than were written.
    package struct Incomplete: Error, CustomStringConvertible {
        package let restored: Int
        package let written: Int
        package var description: String { "restored \(restored) of \(written) series" }
    }

    package init(directory: String) {
        self.directory = directory
    }

    package let directory: String

    package struct Result {
        package let series: Int
        package let bytes: Int
        /// Longest detection pause: one chunk of a shard's snapshot.
        package let pauseSeconds: Double
        package let writeSeconds: Double
        package let restoreSeconds: Double
    }

    /// N series that have learned: weights, previous weights, Adam moments, history (the largest state a series has).
    package static func learnedSeries(_ count: Int, config: PredictorConfig) -> [SeriesState] {
        let network = Network(inputSize: config.inputSize, model: config.model)
        let workspace = Workspace(network: network)
        let trainer = Trainer(network: network, maxWindow: config.training.window)
        let prior = Predictor.initialWeights(network, seed: config.seed)
        return (0..<count).map { index in
            let key = "bench.checkpoint.series\(index)"
            let state = SeriesState(identity: SeriesIdentity(key: key), config: config, prior: prior)
            for t in 0..<(config.training.window + 2) {
                try! state.predictor.step(
                    value: sin(Double(t + index) / 5), timestamp: Double(60 * t), workspace: workspace)
            }
            if let job = state.predictor.makeTrainingJob() { state.predictor.adopt(trainer.run(job)) }
            return state
        }
    }

    package func run(series count: Int, config: PredictorConfig) throws -> Result {
        let states = Self.learnedSeries(count, config: config)
        // Snapshotted as a shard thread does it: a chunk at a time between two batches. The pause is the longest chunk.
        var snapshots: [SeriesSnapshot] = []
        var pause = 0.0
        for start in stride(from: 0, to: states.count, by: Shard.snapshotChunk) {
            let began = DispatchTime.now().uptimeNanoseconds
            snapshots += states[start..<min(start + Shard.snapshotChunk, states.count)].map(SeriesSnapshot.init)
            pause = max(pause, Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9)
        }
        let store = try CheckpointStore(directory: directory)
        let written = try store.write(snapshots)
        let restored = store.restore(config: config, logger: Logger(label: "bench"))
        guard restored.snapshots.count == count, restored.contents.problem == nil else {
            throw Incomplete(restored: restored.snapshots.count, written: count)
        }
        try? FileManager.default.removeItem(at: store.file)
        return Result(
            series: count, bytes: written.bytes, pauseSeconds: pause, writeSeconds: written.seconds,
            restoreSeconds: restored.seconds)
    }
}
