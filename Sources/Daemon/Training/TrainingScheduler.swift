import Foundation
import StreamLSTM
import Synchronization

/// Runs training jobs in the background, never in a shard's way.
///
/// `concurrency` serial Dispatch queues of QoS `.utility`, each owning one
/// `Trainer` (its BPTT buffers), so jobs run in parallel up to that bound
/// without locks or a trainer pool. At most `maxPending` jobs wait or run at
/// once: past that, `submit` refuses and the job is skipped (samples never
/// are). Results go back through the job's `deliver` closure; the shard that
/// owns the series adopts them between two samples.
final class TrainingScheduler: Sendable {
    private let lanes: [Lane]
    private let maxPending: Int
    private let onlyWhenIdle: Bool
    private let pending = Atomic<Int>(0)
    private let next = Atomic<Int>(0)
    private let metrics: DaemonMetrics?

    private final class Lane: @unchecked Sendable {
        // @unchecked: `trainer` is used only by work items on `queue`, which is serial.
        let queue: DispatchQueue
        let trainer: Trainer

        init(index: Int, network: Network, maxWindow: Int) {
            queue = DispatchQueue(label: "streamlstmd.training.\(index)", qos: .utility)
            trainer = Trainer(network: network, maxWindow: maxWindow)
        }
    }

    init(concurrency: Int, maxPending: Int, network: Network, maxWindow: Int, metrics: DaemonMetrics?,
         onlyWhenIdle: Bool = true) {
        precondition(concurrency >= 1 && maxPending >= 1, "training needs at least one lane and one place")
        lanes = (0..<concurrency).map { Lane(index: $0, network: network, maxWindow: maxWindow) }
        self.maxPending = maxPending
        self.metrics = metrics
        self.onlyWhenIdle = onlyWhenIdle
    }

    /// Jobs waiting or running.
    var backlog: Int { pending.load(ordering: .relaxed) }

    /// Queues a job; false (and the job is dropped) when `maxPending` are already in hand.
    func submit(_ job: TrainingJob, deliver: @escaping @Sendable (TrainingResult) -> Void) -> Bool {
        var current = pending.load(ordering: .relaxed)
        repeat {
            guard current < maxPending else { return false }
            let (exchanged, original) = pending.compareExchange(expected: current, desired: current + 1,
                                                                ordering: .acquiringAndReleasing)
            if exchanged { break }
            current = original
        } while true
        metrics?.trainingBacklog.record(current + 1)
        let lane = lanes[next.wrappingAdd(1, ordering: .relaxed).oldValue % lanes.count]
        lane.queue.async { [self] in
            let start = DispatchTime.now().uptimeNanoseconds
            let result = onlyWhenIdle ? Self.whenIdle { lane.trainer.run(job) } : lane.trainer.run(job)
            metrics?.trainingDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            let left = pending.subtract(1, ordering: .acquiringAndReleasing).newValue
            metrics?.trainingBacklog.record(left)
            deliver(result)
        }
        return true
    }

    /// Runs `body` under the SCHED_IDLE policy: the kernel gives the thread a
    /// core only when no shard, input or publisher thread wants it, so
    /// training takes what detection leaves and never delays a sample.
    /// (Dispatch's `.utility` QoS alone does not lower a thread's share on
    /// Linux.) The pool thread gets its policy back afterwards.
    private static func whenIdle<T>(_ body: () -> T) -> T {
        var policy: Int32 = 0
        var original = sched_param()
        let thread = pthread_self()
        guard pthread_getschedparam(thread, &policy, &original) == 0 else { return body() }
        var idle = sched_param(sched_priority: 0)
        let lowered = pthread_setschedparam(thread, Self.schedIdle, &idle) == 0
        defer { if lowered { pthread_setschedparam(thread, policy, &original) } }
        return body()
    }

    /// Linux's SCHED_IDLE, which Glibc declares only under _GNU_SOURCE.
    private static let schedIdle: Int32 = 5

    /// Waits until every queued job has run (their results are still delivered).
    func drain() {
        for lane in lanes { lane.queue.sync {} }
    }
}
