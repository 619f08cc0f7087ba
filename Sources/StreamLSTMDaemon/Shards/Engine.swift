import Foundation
import Logging
import StreamLSTM
import StreamLSTMVocabulary
import Synchronization

/// The shards, and the routing of samples to them by fingerprint.
package final class Engine: SampleSink {
    package let config: EngineConfig
    package let stats: EngineStats
    private let shards: [Shard]
    private let scheduler: TrainingScheduler?
    /// Online learning may be switched off and on while running (the models keep their weights).
    package let learning: LearningSwitch
    /// Alert rules and `learn_after`, which a reload may change.
    package let live: LiveSettingsBox
    private let stopping = Atomic<Bool>(false)

    /// `silences`: what the series consult once per batch (nil: none, as in a replay); `alerts`: where
    /// the alerts they raise go.
    package init(
        config: EngineConfig, stats: EngineStats = EngineStats(), silences: SilenceBook? = nil, logger: Logger,
        alerts: any AlertSink
    ) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        self.stats = stats
        // Every new series starts from the same weights, shared (copy on write) until it first learns:
        // untrained series cost no weight memory of their own and keep one copy warm in the cache.
        let network = Network(inputSize: config.predictor.inputSize, model: config.predictor.model)
        let prior = Predictor.initialWeights(network, seed: config.predictor.seed)
        self.prior = prior
        // Made whenever models can learn, so that a reload may switch learning on.
        let scheduler =
            config.predictor.training.enabled
            ? TrainingScheduler(
                concurrency: config.trainingConcurrency, maxPending: config.trainingQueueLimit,
                network: network, maxWindow: config.predictor.training.window, metrics: stats.metrics,
                priority: config.trainingPriority)
            : nil
        self.scheduler = scheduler
        let learning = LearningSwitch(on: config.training)
        self.learning = learning
        let live = LiveSettingsBox(LiveSettings(config))
        self.live = live
        let storms = AbsenceStorms(alerts: alerts, stats: stats)
        shards = (0..<config.shards).map {
            Shard(
                index: $0, config: config, stats: stats, prior: prior, scheduler: scheduler, learning: learning,
                live: live, silences: silences, logger: logger, alerts: alerts, storms: storms)
        }
        for shard in shards { shard.start() }
        // Every second each shard judges its series' silence, between two batches.
        let shards = self.shards
        let holds = self.holds
        sweeper = RepeatingTimer(interval: Self.sweepInterval) {
            // While an input waits for a full shard, and a while after, the daemon is behind, not the
            // producers: the series of the other shards get nothing either, and none is judged absent.
            guard !holds.heldBack(within: Self.holdGrace) else { return }
            let now = Date().timeIntervalSince1970
            for shard in shards { shard.sweep(now: now) }
        }
    }

    /// Seconds between two judgements of every series' silence.
    package static let sweepInterval = 1.0
    /// Seconds after inputs were last held back by a full shard before silence is judged again (what
    /// waited in the queues and the sockets meanwhile has been taken by then).
    package static let holdGrace = 5.0
    private let holds = InputHolds()
    private let sweeper: RepeatingTimer

    /// The weights every new series starts from (shared).
    package let prior: [Float16]

    /// Which shard thread owns a series. Uses the fingerprint's low bits;
    /// `--shard i/N` between instances uses the high ones.
    package func shardIndex(of fingerprint: UInt64) -> Int {
        Int(fingerprint % UInt64(shards.count))
    }

    /// Routes one message's samples, one batch per shard that gets any; `producer` is who sent the
    /// message, when the input knows. Blocks while a shard is behind: samples are never dropped for speed.
    package func submit(_ samples: [Sample], acceptOutOfOrder: Bool, producer: String? = nil, input: String? = nil) {
        var message = SampleBatch(samples: samples, acceptOutOfOrder: acceptOutOfOrder, producer: producer)
        message.source = producer ?? input
        message.receivedAt = Date().timeIntervalSince1970
        let instanceShard = config.instanceShard
        if instanceShard.count > 1 {
            var mine = message
            mine.samples = samples.filter { instanceShard.keeps($0.fingerprint) }
            stats.add(skipped: samples.count - mine.samples.count)
            guard !mine.samples.isEmpty else { return }
            return route(mine)
        }
        route(message)
    }

    /// Counts what an input's parsing refused.
    package func count(_ rejections: Rejections) {
        stats.add(rejections: rejections)
    }

    private func route(_ message: SampleBatch) {
        if shards.count == 1 {
            shards[0].submit(message, observer: holds)
            return
        }
        var batches = [[Sample]](repeating: [], count: shards.count)
        for sample in message.samples { batches[shardIndex(of: sample.fingerprint)].append(sample) }
        for (index, samples) in batches.enumerated() where !samples.isEmpty {
            var batch = message
            batch.samples = samples
            shards[index].submit(batch, observer: holds)
        }
    }

    /// Hands restored series to their shards, ahead of any sample; those of other instances
    /// (`--shard`) are left out. Keys made by an older release are made again (label names mapped),
    /// and every series is admitted here, against the series cap and the memory budget, so that
    /// what this returns is exactly what the shards hold; refusals are counted and logged.
    @discardableResult
    package func restore(_ snapshots: [SeriesSnapshot], logger: Logger? = nil) -> [SeriesSnapshot] {
        var rekeyed = 0
        var unusable = 0
        var refused = Rejections()
        var seen = Set<UInt64>()
        var kept: [SeriesSnapshot] = []
        for original in snapshots {
            let (name, labels) = SeriesKey.parse(original.key)
            guard let key = try? SeriesKey.make(name: name, labels: labels) else {
                unusable += 1
                refused.add(.badName, "restored series \(original.key): its name makes no key now")
                continue
            }
            if key != original.key { rekeyed += 1 }
            let snapshot = key == original.key ? original : original.rekeyed(key)
            guard config.instanceShard.keeps(snapshot.fingerprint), seen.insert(snapshot.fingerprint).inserted else {
                continue
            }
            snapshot.predictor.shareInitialWeights(prior)
            let bytes = snapshot.makeState().heldBytes
            if let reason = stats.admitSeries(limit: config.maxSeries, bytes: bytes, budget: config.maxMemory) {
                refused.add(reason, "restored series \(snapshot.key) past the cap or the memory budget")
                continue
            }
            kept.append(snapshot)
        }
        if refused.total > 0 { stats.add(rejections: refused) }
        if rekeyed > 0 || refused.total > 0 {
            logger?.warning(
                "restore: some series changed key or were refused",
                metadata: [
                    "rekeyed": "\(rekeyed)", "refused": "\(refused.total - unusable)", "unusable_names": "\(unusable)",
                    "first": "\(refused.firstProblem ?? "")",
                ])
        }
        var states = [[SeriesSnapshot]](repeating: [], count: shards.count)
        for snapshot in kept { states[shardIndex(of: snapshot.fingerprint)].append(snapshot) }
        for (index, batch) in states.enumerated() where !batch.isEmpty { shards[index].restore(batch) }
        return kept
    }

    /// Whether every shard thread gets through its queue to a ping within `timeout` seconds.
    package func shardsResponsive(within timeout: Double) -> Bool {
        let group = DispatchGroup()
        for shard in shards {
            group.enter()
            shard.ping { group.leave() }
        }
        return group.wait(timeout: .now() + timeout) == .success
    }

    /// Snapshots of every series, each taken by its shard between two batches, the longest time a
    /// shard paused detection to take them, and how many shards could not answer (stopping: their
    /// series are missing, and such a snapshot must not replace a checkpoint).
    package func snapshot() -> (snapshots: [SeriesSnapshot], longestPause: UInt64, missingShards: Int) {
        let collected = Protected<(snapshots: [SeriesSnapshot], longestPause: UInt64, missingShards: Int)>(([], 0, 0))
        let group = DispatchGroup()
        for shard in shards {
            group.enter()
            shard.snapshot { snapshots, pause in
                collected.withLock {
                    if let snapshots { $0.snapshots += snapshots } else { $0.missingShards += 1 }
                    $0.longestPause = max($0.longestPause, pause)
                }
                group.leave()
            }
        }
        group.wait()
        return collected.withLock { $0 }
    }

    /// Whether `stop()` has begun: the shards take no more work.
    package var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Snapshots of every series after `stop()`: the last checkpoint's.
    package func snapshotAfterStop() -> [SeriesSnapshot] {
        shards.flatMap { $0.snapshotAfterStop() }
    }

    /// Finishes every queued sample, stops the shard threads, then lets the
    /// training jobs in hand finish (their results are no longer adopted).
    package func stop() {
        stopping.store(true, ordering: .releasing)
        sweeper.cancel()
        for shard in shards { shard.stopAndWait() }
        scheduler?.drain()
    }

    /// How long a caller waits for shards to answer (`/series`, a verdict) before it is told which
    /// did not: a stuck shard must not hang the HTTP workers behind it.
    package static let answerTimeout = 2.0

    /// Every series, sorted by key, as the shards see them between two batches; or the shards that
    /// did not answer within `timeout` seconds.
    package func inspect(within timeout: Double = answerTimeout) -> Result<[SeriesSummary], ShardsDidNotAnswer> {
        let collected = Protected<(summaries: [SeriesSummary], answered: Set<Int>)>(([], []))
        let group = DispatchGroup()
        let deadline = Date(timeIntervalSinceNow: timeout)
        for (index, shard) in shards.enumerated() {
            group.enter()
            let queued = shard.inspect(within: max(0, deadline.timeIntervalSinceNow)) { summaries in
                collected.withLock {
                    $0.summaries += summaries
                    $0.answered.insert(index)
                }
                group.leave()
            }
            if !queued { group.leave() }  // it will never answer: it counts as not answering below
        }
        _ = group.wait(timeout: .now() + timeout)
        let (summaries, answered) = collected.withLock { ($0.summaries, $0.answered) }
        guard answered.count == shards.count else {
            return .failure(
                ShardsDidNotAnswer(shards: shards.indices.filter { !answered.contains($0) }, within: timeout))
        }
        return .success(summaries.sorted { $0.key < $1.key })
    }

    /// One series, asked of the shard that owns it; nil if there is no such series.
    package func inspect(key: String, within timeout: Double = answerTimeout) -> Result<
        SeriesSummary?, ShardsDidNotAnswer
    > {
        let index = shardIndex(of: SeriesKey.fingerprint(key))
        let found = Protected<SeriesSummary?>(nil)
        let done = DispatchSemaphore(value: 0)
        let queued = shards[index].inspect(within: timeout) { summaries in
            found.withLock { $0 = summaries.first { $0.key == key } }
            done.signal()
        }
        guard queued, done.wait(timeout: .now() + timeout) == .success else {
            return .failure(ShardsDidNotAnswer(shards: [index], within: timeout))
        }
        return .success(found.withLock { $0 })
    }

    /// Applies a user's verdict to its series, on the shard that owns it, between two batches; waits
    /// for the answer (the shard's queue ahead of it first).
    /// Past `timeout` seconds the caller is told the shard is busy (`.shardBusy`): a verdict that
    /// could be queued stays queued, is applied when the shard gets to it (never half applied), and
    /// `late` is told what became of it (on the shard's thread: hand any slow work on); one that
    /// could not be queued (the queue full) is not applied at all.
    package func apply(
        _ feedback: Feedback, within timeout: Double = 5 * answerTimeout,
        late: @escaping @Sendable (Result<FeedbackOutcome, FeedbackError>) -> Void = { _ in }
    ) -> Result<FeedbackOutcome, FeedbackError> {
        let index = shardIndex(of: SeriesKey.fingerprint(feedback.series))
        // The answer, taken by the caller in time or, once it has given up, handed to `late`.
        let answer = Protected<(result: Result<FeedbackOutcome, FeedbackError>?, givenUp: Bool)>((nil, false))
        let done = DispatchSemaphore(value: 0)
        shards[index].apply(feedback, within: timeout) { result in
            let lateOne = answer.withLock { state -> Bool in
                state.result = result
                return state.givenUp
            }
            if lateOne { late(result) } else { done.signal() }
        }
        if done.wait(timeout: .now() + timeout) == .success { return answer.withLock { $0.result }! }
        let finished = answer.withLock { state -> Result<FeedbackOutcome, FeedbackError>? in
            state.givenUp = true
            return state.result
        }
        return finished ?? .failure(.shardBusy(shard: index, queued: true))
    }

    /// Training jobs waiting or running.
    package var trainingBacklog: Int { scheduler?.backlog ?? 0 }
}

/// Inputs waiting for room in a shard's queue: how many now, and when the last such wait ended.
package final class InputHolds: QueueWaitObserver {
    private let waiting = Atomic<Int>(0)
    /// Uptime nanoseconds; 0: never.
    private let lastEnded = Atomic<UInt64>(0)

    package init() {}

    package func waitBegan() { waiting.add(1, ordering: .relaxed) }

    package func waitEnded() {
        waiting.subtract(1, ordering: .relaxed)
        lastEnded.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
    }

    /// Whether an input waits now or stopped waiting less than `seconds` ago.
    package func heldBack(within seconds: Double) -> Bool {
        guard waiting.load(ordering: .relaxed) == 0 else { return true }
        let ended = lastEnded.load(ordering: .relaxed)
        return ended != 0 && Double(DispatchTime.now().uptimeNanoseconds &- ended) / 1e9 < seconds
    }
}

/// Whether shards start training jobs now; any thread may flip it.
package final class LearningSwitch: Sendable {
    private let flag: Atomic<Bool>

    package init(on: Bool) {
        flag = Atomic(on)
    }

    package var isOn: Bool { flag.load(ordering: .relaxed) }

    package func set(_ on: Bool) {
        flag.store(on, ordering: .relaxed)
    }
}

/// Shards that did not answer a question in time (stuck on a batch, or stopping).
package struct ShardsDidNotAnswer: Error, CustomStringConvertible {
    package let shards: [Int]
    package let within: Double

    package var description: String {
        "shard \(shards.map(String.init).joined(separator: ", ")) did not answer within \(within) s"
    }
}
