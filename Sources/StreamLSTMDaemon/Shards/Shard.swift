import Foundation
import Logging
import StreamLSTM
import StreamLSTMVocabulary

/// What one series looks like from outside: for `/series`, tests and operators.
package struct SeriesSummary: Sendable, Equatable {
    package let key: String
    package let samples: Int
    package let lastTimestamp: Double
    package let modelVersion: Int
    /// normal, pending or firing.
    package let alert: String
    /// Root mean square of recent residuals, in the series' units.
    package let residualRMS: Double
    /// Anomaly score of the last sample.
    package let score: Double
    package let forecast: Double?
    package let trainingInFlight: Bool
    /// Who sent the newest sample, when known.
    package var producer: String? = nil
    /// The id of the silence in force for it, if any.
    package var silence: String? = nil
    /// The bytes it holds, as the memory budget counts them.
    package var bytes = 0
    /// When its newest sample arrived (daemon clock), its typical interval in seconds once known, and
    /// whether it is absent (no sample for `absent.after` intervals).
    package var lastSeen = -Double.infinity
    package var interval: Double? = nil
    package var absent = false
    /// The rule that applies to it (its name, or `rules[i]`), if any.
    package var rule: String? = nil
}

/// Work for a shard thread, in arrival order.
package enum ShardWork: Sendable {
    case samples(SampleBatch)
    /// Describe every series to `reply` (on the shard thread, between two batches).
    case inspect(@Sendable ([SeriesSummary]) -> Void)
    /// Take these series over (a restore, before any sample).
    case restore([SeriesSnapshot])
    /// Answer as soon as the shard gets here: proof that it makes progress.
    case ping(@Sendable () -> Void)
    /// Snapshot every series for a checkpoint; `reply` gets them and the nanoseconds detection paused.
    case snapshot(@Sendable ([SeriesSnapshot]?, UInt64) -> Void)
    /// Judge every series' silence at this wall-clock time (`SeriesBook.sweep`).
    case sweep(Double)
    /// Apply a user's verdict to its series (between two batches) and tell `reply` what it did.
    case feedback(Feedback, @Sendable (Result<FeedbackOutcome, FeedbackError>) -> Void)
}

/// Samples for one shard from one message, and how their input treats time.
package struct SampleBatch: Sendable {
    package init(samples: [Sample], acceptOutOfOrder: Bool, producer: String? = nil) {
        self.samples = samples
        self.acceptOutOfOrder = acceptOutOfOrder
        self.producer = producer
    }

    package var samples: [Sample]
    /// Take samples older than their series' last one in arrival order
    /// (clocks step back on daylight-saving days) instead of dropping them.
    package var acceptOutOfOrder: Bool
    /// Who sent the message, when the input knows (the user id ZAP gave a CURVE producer).
    package var producer: String? = nil
    /// The producer, or where producers are not known the input: the series that go quiet together
    /// when it dies (`AbsenceStorms`).
    package var source: String? = nil
    /// When the message arrived, on the clock absence is judged by: the wall clock live, the
    /// samples' (or the recording's) clock in a replay. Nil: not judged (tests that drive a book directly).
    package var receivedAt: Double? = nil
}

/// One shard: a thread that owns its series outright (no locks on the hot
/// path) and feeds them, batch by batch in arrival order, to its series book.
package final class Shard: @unchecked Sendable {
    // @unchecked: `book` is touched only by the shard's own thread; the queue is thread-safe.
    package let index: Int
    private let queue: BlockingQueue<ShardWork>
    private let book: SeriesBook
    private let thread = Protected<OwnedThread<Void>?>(nil)

    package init(
        index: Int, config: EngineConfig, stats: EngineStats, prior: [Float16], scheduler: TrainingScheduler?,
        learning: LearningSwitch, live: LiveSettingsBox, silences: SilenceBook?, logger: Logger,
        alerts: any AlertSink, storms: AbsenceStorms
    ) {
        self.index = index
        queue = BlockingQueue(capacity: config.queueCapacity)
        book = SeriesBook(
            label: "shard \(index)", config: config, stats: stats, prior: prior, trainer: scheduler,
            learning: learning, live: live, silences: silences, logger: logger, alerts: alerts, storms: storms,
            shard: index, absenceEpoch: Date().timeIntervalSince1970)
    }

    /// A fault for the tests: with `STREAMLSTMD_FAULT_STALL_SERIES=KEY` in the environment, a shard
    /// given a sample of that series stops for 30 s before it processes the batch.
    package static let injectedStall = ProcessInfo.processInfo.environment["STREAMLSTMD_FAULT_STALL_SERIES"]

    /// Series snapshotted in one go between two batches: about a millisecond
    /// of detection paused, however many series the shard holds.
    package static let snapshotChunk = 512

    /// A checkpoint's snapshot under way, taken a chunk at a time.
    private struct SnapshotInProgress {
        package var keys: [UInt64]
        package var next = 0
        package var taken: [SeriesSnapshot] = []
        package var longestPause: UInt64 = 0
        package let reply: @Sendable ([SeriesSnapshot]?, UInt64) -> Void
    }

    package func start() {
        let started = OwnedThread(name: "shard-\(index)") { [self] in
            var snapshot: SnapshotInProgress?
            while true {
                if snapshot != nil {
                    // A chunk of the snapshot after each piece of work: samples wait at most one chunk.
                    let (work, closed) = queue.poll()
                    if let work { handle(work, &snapshot) }
                    if let running = snapshot { snapshot = continueSnapshot(running, all: closed) }
                } else {
                    guard let work = queue.take() else { break }
                    handle(work, &snapshot)
                }
            }
        }
        thread.withLock { $0 = started }
    }

    private func handle(_ work: ShardWork, _ snapshot: inout SnapshotInProgress?) {
        switch work {
        case .samples(let batch):
            if let stalled = Self.injectedStall, batch.samples.contains(where: { $0.key == stalled }) {
                sleep(30)  // a shard stuck on a batch, for the tests of what waits on shards
            }
            book.process(batch)
        case .inspect(let reply): reply(book.summaries)
        case .restore(let states): book.restore(states)
        case .ping(let reply): reply()
        case .sweep(let now): book.sweep(now: now)
        case .feedback(let feedback, let reply): reply(book.apply(feedback))
        case .snapshot(let reply):
            if let running = snapshot { snapshot = continueSnapshot(running, all: true) }  // one at a time
            snapshot = SnapshotInProgress(keys: book.fingerprints, reply: reply)
        }
    }

    /// Takes the next chunk (or, when stopping, the rest); replies and returns nil when done.
    private func continueSnapshot(_ progress: SnapshotInProgress, all: Bool) -> SnapshotInProgress? {
        var progress = progress
        let start = DispatchTime.now().uptimeNanoseconds
        let end = all ? progress.keys.count : min(progress.next + Self.snapshotChunk, progress.keys.count)
        progress.taken += book.snapshots(of: progress.keys[progress.next..<end])
        progress.next = end
        progress.longestPause = max(progress.longestPause, DispatchTime.now().uptimeNanoseconds - start)
        guard progress.next == progress.keys.count else { return progress }
        progress.reply(progress.taken, progress.longestPause)
        return nil
    }

    /// Queues a batch; blocks while the shard is behind, and tells `observer` when it waits.
    package func submit(_ batch: SampleBatch, observer: (any QueueWaitObserver)? = nil) {
        queue.put(.samples(batch), observer: observer)
    }

    /// Asks the shard thread for a summary of its series; `reply` runs on that thread. False when the
    /// question could not even be queued within `seconds` (the queue full behind a stuck batch) or
    /// the shard is stopping: `reply` is then never called.
    @discardableResult
    package func inspect(within seconds: Double = .infinity, _ reply: @escaping @Sendable ([SeriesSummary]) -> Void)
        -> Bool
    {
        queue.put(.inspect(reply), within: seconds) == .queued
    }

    /// Asks the shard thread to apply a verdict; `reply` runs on that thread, or at once, refused,
    /// when the shard is stopping or its queue stays full for `seconds` (the verdict is then not queued).
    package func apply(
        _ feedback: Feedback, within seconds: Double,
        reply: @escaping @Sendable (Result<FeedbackOutcome, FeedbackError>) -> Void
    ) {
        switch queue.put(.feedback(feedback, reply), within: seconds) {
        case .queued: break
        case .full: reply(.failure(.shardBusy(shard: index, queued: false)))
        case .closed: reply(.failure(.stopping))
        }
    }

    /// Asks the shard to judge its series' silence at `now`, unless its queue is full (it is behind:
    /// the next second's sweep will do).
    package func sweep(now: Double) {
        _ = queue.put(.sweep(now), within: 0)
    }

    package func ping(_ reply: @escaping @Sendable () -> Void) {
        queue.put(.ping(reply))
    }

    package func restore(_ snapshots: [SeriesSnapshot]) {
        queue.put(.restore(snapshots))
    }

    /// Asks the shard thread for snapshots of its series; `reply` runs on that thread, or at once with
    /// nil when the shard is stopping and can take no more work (its series are not in the answer).
    package func snapshot(_ reply: @escaping @Sendable ([SeriesSnapshot]?, UInt64) -> Void) {
        if !queue.put(.snapshot(reply)) { reply(nil, 0) }
    }

    /// The series' snapshots once the thread has stopped (for the last checkpoint).
    package func snapshotAfterStop() -> [SeriesSnapshot] {
        book.snapshots()
    }

    /// Processes what is queued, then stops the thread.
    package func stopAndWait() {
        queue.close()
        thread.withLock { $0 }?.join()
    }
}
