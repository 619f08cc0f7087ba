import Foundation
import Logging

/// Writes a checkpoint of every series every `interval` seconds on its own
/// queue: the shards only pause to snapshot their series (copy on write),
/// encoding and writing happen here.
final class Checkpointer: @unchecked Sendable {
    // @unchecked: `timer` is only touched under `timerLock`.
    let store: CheckpointStore
    private let engine: Engine
    private let interval: Double
    private let logger: Logger
    private let metrics: DaemonMetrics?
    private let queue = DispatchQueue(label: "streamlstmd.checkpoint", qos: .utility)
    private let timerLock = NSLock()
    private var timer: DispatchSourceTimer?

    init(store: CheckpointStore, engine: Engine, interval: Double, logger: Logger, metrics: DaemonMetrics?) {
        self.store = store
        self.engine = engine
        self.interval = interval
        self.logger = logger
        self.metrics = metrics
    }

    func start() {
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + interval, repeating: interval)
        source.setEventHandler { [self] in
            let (snapshots, pause) = engine.snapshot()
            write(snapshots, pause: pause, final: false)
        }
        timerLock.withLock { timer = source }
        source.resume()
    }

    /// Stops the timer and waits for a checkpoint under way.
    func stop() {
        timerLock.withLock { timer?.cancel() }
        queue.sync {}
    }

    /// The checkpoint at shutdown, after the shards have stopped.
    func writeFinal() {
        queue.sync { write(engine.snapshotAfterStop(), pause: 0, final: true) }
    }

    private func write(_ snapshots: [SeriesSnapshot], pause: UInt64, final: Bool) {
        do throws(CheckpointError) {
            let written = try store.write(snapshots)
            metrics?.checkpointDuration.recordNanoseconds(Int64(written.seconds * 1e9))
            metrics?.checkpointPause.recordNanoseconds(Int64(pause))
            metrics?.checkpointBytes.record(written.bytes)
            metrics?.checkpointTime.record(Date().timeIntervalSince1970)
            logger.log(level: final ? .info : .debug, "checkpoint written", metadata: [
                "file": "\(store.file.path)", "series": "\(written.series)", "bytes": "\(written.bytes)",
                "seconds": "\(String(format: "%.3f", written.seconds))",
                "pause_ms": "\(String(format: "%.2f", Double(pause) / 1e6))",
            ])
        } catch {
            metrics?.checkpointFailures.increment()
            logger.error("checkpoint failed; the previous one is kept", metadata: ["error": "\(error)"])
        }
    }
}
