import Foundation
import StreamLSTM
import StreamLSTMVocabulary

/// Settings of the detection engine: shards, series, model, alerts.
package struct EngineConfig: Sendable {
    package init() {}

    /// Shard threads; every series belongs to exactly one.
    package var shards: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// New series past this many are rejected (`series_limit`).
    package var maxSeries: Int = 100_000
    /// Bytes the series may hold in all (`SeriesState.heldBytes` each); past it new series are refused
    /// (`memory_limit`) and the series there keep working. 0: no budget.
    package var maxMemory: Int = 0
    package var predictor = PredictorConfig()
    package var alerts = AlertRules()
    /// Whether models learn online, on background training queues.
    package var training = true
    /// Training jobs that run at once (each on its own `.utility` queue).
    package var trainingConcurrency = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    /// Jobs waiting or running at most; past that, jobs are skipped.
    package var trainingQueueLimit = 64
    /// How much CPU training may take from detection.
    package var trainingPriority = TrainingPriority.low
    /// Training pauses while an alert fires; an incident that lasts longer
    /// than this many samples is a persisting change (a new period, a level
    /// shift that stays) and is learned as the new normal.
    package var learnAfter = 120
    /// Names this daemon in alert labels.
    package var instance: String = "streamlstmd"
    /// Sample batches that may wait for a shard before producers are held back.
    package var queueCapacity: Int = 1024
    /// Scale-out: this instance keeps only the series of `instanceShard.index`
    /// out of `instanceShard.count` instances that share the same streams.
    package var instanceShard = InstanceShard.all
    /// How each group of series alerts (`rules:`): the first rule that matches a series is its own.
    package var rules = SeriesRules()
    /// Series that go quiet, producers that die, series that go away.
    package var absence = AbsenceSettings()

    package var problem: String? {
        if shards < 1 || shards > 256 { return "shards must lie in 1...256" }
        if maxSeries < 1 { return "max_series must be at least 1" }
        if maxMemory < 0 { return "max_memory must be >= 0 bytes (0: no budget)" }
        if queueCapacity < 1 { return "queue_capacity must be at least 1" }
        if trainingConcurrency < 1 { return "training.concurrency must be at least 1" }
        if trainingQueueLimit < 1 { return "training.queue_limit must be at least 1" }
        if learnAfter < 1 { return "training.learn_after must be at least 1" }
        if let problem = instanceShard.problem { return problem }
        if let problem = absence.problem { return problem }
        return predictor.problem ?? alerts.problem
    }
}

/// `--shard I/N`: which share of the series this instance keeps.
package struct InstanceShard: Equatable, Sendable, CustomStringConvertible {
    package var index: Int
    package var count: Int

    package static let all = InstanceShard(index: 0, count: 1)

    /// Parses `I/N`.
    package init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(index: index, count: count)
    }

    package init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    package var problem: String? {
        count >= 1 && (0..<count).contains(index) ? nil : "shard \(index)/\(count): need 0 <= I < N"
    }

    /// Whether this instance keeps a series. Uses the fingerprint's high
    /// bits; the shard threads inside an instance use the low ones, so the
    /// two splits are independent.
    package func keeps(_ fingerprint: UInt64) -> Bool {
        count == 1 || Int((fingerprint >> 32) % UInt64(count)) == index
    }

    package var description: String { "\(index)/\(count)" }
}
