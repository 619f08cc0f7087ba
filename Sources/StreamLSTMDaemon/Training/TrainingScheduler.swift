import Foundation
import StreamLSTM
import Synchronization

/// How much of the CPU training may take from detection.
package enum TrainingPriority: String, CaseIterable, Sendable {
    /// Nice 10: a small, steady share when the cores are busy, all of an idle core.
    case low
    /// SCHED_IDLE: only cores nothing else wants; under full load, no training at all.
    case idle
    /// The same share as detection (tests that wait for every job).
    case normal
}

/// Runs training jobs in the background, never in a shard's way.
///
/// `concurrency` serial Dispatch queues of QoS `.utility`, each owning one
/// `Trainer` (its BPTT buffers), so jobs run in parallel up to that bound
/// without locks or a trainer pool. At most `maxPending` jobs wait or run at
/// once: past that, `submit` refuses and the job is skipped (samples never
/// are). Results go back through the job's `deliver` closure; the shard that
/// owns the series adopts them between two samples.
package final class TrainingScheduler: Sendable {
    private let lanes: [Lane]
    package let maxPending: Int
    private let priority: TrainingPriority
    private let pending = Atomic<Int>(0)
    private let next = Atomic<Int>(0)
    private let metrics: DaemonMetrics?

    private final class Lane: @unchecked Sendable {
        // @unchecked: `trainer` is used only by work items on `queue`, which is serial.
        package let queue: DispatchQueue
        package let trainer: Trainer

        package init(index: Int, network: Network, maxWindow: Int) {
            queue = DispatchQueue(label: "streamlstmd.training.\(index)", qos: .utility)
            trainer = Trainer(network: network, maxWindow: maxWindow)
        }
    }

    package init(
        concurrency: Int, maxPending: Int, network: Network, maxWindow: Int, metrics: DaemonMetrics?,
        priority: TrainingPriority = .low
    ) {
        precondition(concurrency >= 1 && maxPending >= 1, "training needs at least one lane and one place")
        lanes = (0..<concurrency).map { Lane(index: $0, network: network, maxWindow: maxWindow) }
        self.maxPending = maxPending
        self.metrics = metrics
        self.priority = priority
    }

    /// Jobs waiting or running.
    package var backlog: Int { pending.load(ordering: .relaxed) }

    /// Queues a job; false (and the job is dropped) when `maxPending` are already in hand.
    package func submit(_ job: TrainingJob, deliver: @escaping @Sendable (TrainingResult) -> Void) -> Bool {
        var current = pending.load(ordering: .relaxed)
        repeat {
            guard current < maxPending else { return false }
            let (exchanged, original) = pending.compareExchange(
                expected: current, desired: current + 1,
                ordering: .acquiringAndReleasing)
            if exchanged { break }
            current = original
        } while true
        metrics?.trainingBacklog.record(current + 1)
        let lane = lanes[next.wrappingAdd(1, ordering: .relaxed).oldValue % lanes.count]
        lane.queue.async { [self] in
            let start = DispatchTime.now().uptimeNanoseconds
            let result = Self.withPriority(priority) { lane.trainer.run(job) }
            metrics?.trainingDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            let left = pending.subtract(1, ordering: .acquiringAndReleasing).newValue
            metrics?.trainingBacklog.record(left)
            deliver(result)
        }
        return true
    }

    /// Runs `body` at the priority training gets, then gives the pool
    /// thread its own back. (Dispatch's `.utility` QoS alone does not lower
    /// a thread's share on Linux.)
    private static func withPriority<T>(_ priority: TrainingPriority, _ body: () -> T) -> T {
        switch priority {
        case .normal:
            return body()
        case .low:
            // Nice 10: about a tenth of a core's weight against a busy shard, in short slices.
            guard let thread = currentThreadID() else { return body() }
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            errno = 0
            let original = getpriority(which, thread)
            guard errno == 0, setpriority(which, thread, 10) == 0 else { return body() }
            defer { setpriority(which, thread, original) }
            return body()
        case .idle:
            // SCHED_IDLE: a core only when nothing else wants it.
            var policy: Int32 = 0
            var original = sched_param()
            let thread = pthread_self()
            guard pthread_getschedparam(thread, &policy, &original) == 0 else { return body() }
            var idle = sched_param(sched_priority: 0)
            guard pthread_setschedparam(thread, Self.schedIdle, &idle) == 0 else { return body() }
            defer { pthread_setschedparam(thread, policy, &original) }
            return body()
        }
    }

    /// The kernel's id of the calling thread, which `setpriority` takes
    /// (Glibc's gettid is not visible from Swift): /proc/thread-self names it.
    private static func currentThreadID() -> id_t? {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let path = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.split(separator: "/").last.flatMap { id_t($0) }
    }

    /// Linux's SCHED_IDLE, which Glibc declares only under _GNU_SOURCE.
    private static let schedIdle: Int32 = 5

    /// Waits until every queued job has run (their results are still delivered).
    package func drain() {
        for lane in lanes { lane.queue.sync {} }
    }
}
