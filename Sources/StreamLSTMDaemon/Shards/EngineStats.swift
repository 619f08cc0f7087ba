import Metrics
import StreamLSTMVocabulary
import Synchronization

/// Counters the engine and its inputs keep, readable from any thread, and
/// mirrored into the metrics. Writers add a whole batch under one lock,
/// never one lock per sample.
package final class EngineStats: Sendable {
    package struct Snapshot: Equatable, Sendable {
        package var samples = 0
        package var rejections = [Int](repeating: 0, count: RejectReason.allCases.count)
        /// Firing alert messages: new incidents, re-sends and escalations.
        package var alertsFiring = 0
        /// New incidents alone (a series that started firing).
        package var incidents = 0
        package var alertsResolved = 0
        /// Training jobs by outcome, indexed by `TrainingOutcome.rawValue`.
        package var training = [Int](repeating: 0, count: TrainingOutcome.allCases.count)
        /// Samples left to other instances (`--shard i/N`).
        package var skipped = 0
        /// Series forgotten after `series_ttl` without a sample.
        package var expired = 0

        package func rejected(_ reason: RejectReason) -> Int { rejections[reason.rawValue] }
        package var totalRejected: Int { rejections.reduce(0, +) }
        package func training(_ outcome: TrainingOutcome) -> Int { training[outcome.rawValue] }
    }

    private let counters = Protected(Snapshot())
    /// Series alive across all shards (the cap is checked against it).
    package let series = Atomic<Int>(0)
    package let metrics: DaemonMetrics?

    package init(metrics: DaemonMetrics? = nil) {
        self.metrics = metrics
    }

    package var snapshot: Snapshot { counters.withLock { $0 } }

    package func add(
        samples: Int = 0, rejections: Rejections? = nil, firing: Int = 0, incidents: Int = 0, resolved: Int = 0,
        training: [Int]? = nil, skipped: Int = 0
    ) {
        counters.withLock { total in
            total.samples += samples
            if let rejections {
                for reason in RejectReason.allCases { total.rejections[reason.rawValue] += rejections[reason] }
            }
            total.alertsFiring += firing
            total.incidents += incidents
            total.alertsResolved += resolved
            if let training {
                for outcome in TrainingOutcome.allCases {
                    total.training[outcome.rawValue] += training[outcome.rawValue]
                }
            }
            total.skipped += skipped
        }
        guard let metrics else { return }
        if samples > 0 { metrics.samples.increment(by: samples) }
        if let rejections {
            for reason in RejectReason.allCases where rejections[reason] > 0 {
                metrics.rejected[reason.rawValue].increment(by: rejections[reason])
            }
        }
        if let training {
            for outcome in TrainingOutcome.allCases where training[outcome.rawValue] > 0 {
                metrics.trainingJobs[outcome.rawValue].increment(by: training[outcome.rawValue])
            }
        }
        if skipped > 0 { metrics.skipped.increment(by: skipped) }
    }

    /// Takes a place for a new series that holds `bytes`: nil when admitted, else why not (the
    /// series cap, or the memory budget: `budget` bytes in all, 0 for none). Shards admit at once,
    /// so the budget may be passed by a few series' bytes, never more.
    package func admitSeries(limit: Int, bytes: Int = 0, budget: Int = 0) -> RejectReason? {
        if budget > 0 && seriesBytes.load(ordering: .relaxed) + bytes > budget { return .memoryLimit }
        var current = series.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = series.compareExchange(
                expected: current, desired: current + 1,
                ordering: .relaxed)
            if exchanged {
                record(metrics?.series, series)
                charge(bytes)
                return nil
            }
            current = original
        }
        return .seriesLimit
    }

    /// A series forgotten (`series_ttl`): its place under the cap and its bytes are free again.
    package func expire(bytes: Int) {
        series.subtract(1, ordering: .relaxed)
        record(metrics?.series, series)
        charge(-bytes)
        counters.withLock { $0.expired += 1 }
        metrics?.seriesExpired.increment()
    }

    /// Series absent now, over every shard (each adds what changed in its own).
    package let absent = Atomic<Int>(0)

    package func changeAbsent(by delta: Int) {
        guard delta != 0 else { return }
        absent.add(delta, ordering: .relaxed)
        record(metrics?.seriesAbsent, absent)
    }

    /// Bytes the series hold (`SeriesState.heldBytes`, each as last charged).
    package let seriesBytes = Atomic<Int>(0)

    /// A change in the bytes a series holds (it was admitted, or it learned and has weights of its own).
    package func charge(_ bytes: Int) {
        guard bytes != 0 else { return }
        seriesBytes.add(bytes, ordering: .relaxed)
        record(metrics?.seriesBytes, seriesBytes)
    }

    /// Serialises the gauges' updates: each records its count as it is when the lock is taken, so the
    /// last value recorded is never older than one recorded before it. (A thread that recorded the total
    /// its own addition returned could be overtaken between the two, and leave the gauge stale: seen
    /// as a budget gauge 400 KB short on a loaded machine.)
    private let gauges = Protected(())

    private func record(_ gauge: Gauge?, _ count: borrowing Atomic<Int>) {
        guard let gauge else { return }
        gauges.withLock { _ in gauge.record(count.load(ordering: .relaxed)) }
    }
}
