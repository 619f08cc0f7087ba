import Foundation
import Logging
import Synchronization
import StreamLSTM

/// The shards, and the routing of samples to them by fingerprint.
final class Engine: Sendable {
    let config: EngineConfig
    let stats: EngineStats
    private let shards: [Shard]
    private let scheduler: TrainingScheduler?
    /// Online learning may be switched off and on while running (the models keep their weights).
    let learning: LearningSwitch

    init(config: EngineConfig, stats: EngineStats = EngineStats(), logger: Logger,
         raise: @escaping @Sendable (Alert) -> Void) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        self.stats = stats
        // Every new series starts from the same weights, shared (copy on write) until it first learns:
        // untrained series cost no weight memory of their own and keep one copy warm in the cache.
        let network = Network(inputSize: config.predictor.inputSize, model: config.predictor.model)
        let prior: [Float] = network.initialParameters(seed: config.predictor.seed)
        let scheduler = config.training && config.predictor.training.enabled
            ? TrainingScheduler(concurrency: config.trainingConcurrency, maxPending: config.trainingQueueLimit,
                                network: network, maxWindow: config.predictor.training.window, metrics: stats.metrics,
                                priority: config.trainingPriority)
            : nil
        self.scheduler = scheduler
        let learning = LearningSwitch(on: true)
        self.learning = learning
        shards = (0..<config.shards).map {
            Shard(index: $0, config: config, stats: stats, prior: prior, scheduler: scheduler, learning: learning,
                  logger: logger, raise: raise)
        }
        for shard in shards { shard.start() }
    }

    /// Which shard thread owns a series. Uses the fingerprint's low bits;
    /// `--shard i/N` between instances uses the high ones.
    func shardIndex(of fingerprint: UInt64) -> Int {
        Int(fingerprint % UInt64(shards.count))
    }

    /// Routes one message's samples, one batch per shard that gets any.
    /// Blocks while a shard is behind: samples are never dropped for speed.
    func submit(_ samples: [Sample], acceptOutOfOrder: Bool) {
        let instanceShard = config.instanceShard
        if instanceShard.count > 1 {
            let mine = samples.filter { instanceShard.keeps($0.fingerprint) }
            stats.add(skipped: samples.count - mine.count)
            guard !mine.isEmpty else { return }
            return route(mine, acceptOutOfOrder: acceptOutOfOrder)
        }
        route(samples, acceptOutOfOrder: acceptOutOfOrder)
    }

    private func route(_ samples: [Sample], acceptOutOfOrder: Bool) {
        if shards.count == 1 {
            shards[0].submit(SampleBatch(samples: samples, acceptOutOfOrder: acceptOutOfOrder))
            return
        }
        var batches = [[Sample]](repeating: [], count: shards.count)
        for sample in samples { batches[shardIndex(of: sample.fingerprint)].append(sample) }
        for (index, batch) in batches.enumerated() where !batch.isEmpty {
            shards[index].submit(SampleBatch(samples: batch, acceptOutOfOrder: acceptOutOfOrder))
        }
    }

    /// Finishes every queued sample, stops the shard threads, then lets the
    /// training jobs in hand finish (their results are no longer adopted).
    func stop() {
        for shard in shards { shard.stopAndWait() }
        scheduler?.drain()
    }

    /// Every series, sorted by key, as the shards see them between two batches.
    func inspect() -> [SeriesSummary] {
        let collected = Protected<[SeriesSummary]>([])
        let group = DispatchGroup()
        for shard in shards {
            group.enter()
            shard.inspect { summaries in
                collected.withLock { $0 += summaries }
                group.leave()
            }
        }
        group.wait()
        return collected.withLock { $0 }.sorted { $0.key < $1.key }
    }

    /// Training jobs waiting or running.
    var trainingBacklog: Int { scheduler?.backlog ?? 0 }
}

/// Whether shards start training jobs now; any thread may flip it.
final class LearningSwitch: Sendable {
    private let flag: Atomic<Bool>

    init(on: Bool) {
        flag = Atomic(on)
    }

    var isOn: Bool { flag.load(ordering: .relaxed) }

    func set(_ on: Bool) {
        flag.store(on, ordering: .relaxed)
    }
}
