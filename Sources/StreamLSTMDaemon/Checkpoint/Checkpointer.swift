import Foundation
import Logging
import ServiceLifecycle

/// Writes a checkpoint of every series every `interval` seconds, and a last
/// one at shutdown once the shards have stopped (it comes before them in the
/// service group, so it stops after them). The shards only pause to snapshot
/// their series (copy on write); encoding and writing happen on a queue of
/// the checkpointer's own.
package final class Checkpointer: Service, Sendable {
    package let store: CheckpointStore
    private let engine: Engine
    private let interval: Double
    private let logger: Logger
    private let metrics: DaemonMetrics?
    private let queue = DispatchQueue(label: "streamlstmd.checkpoint", qos: .utility)

    package init(store: CheckpointStore, engine: Engine, interval: Double, logger: Logger, metrics: DaemonMetrics?) {
        self.store = store
        self.engine = engine
        self.interval = interval
        self.logger = logger
        self.metrics = metrics
    }

    package func run() async {
        while (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: .seconds(self.interval)) })) != nil {
            await onQueue { self.writePeriodic() }
        }
        if Self.injectedStopRace {
            // The race this guards against, made certain: a periodic snapshot after the shards have
            // stopped, then no final checkpoint (as if the process were killed first).
            await onQueue {
                while !self.engine.isStopping { usleep(1000) }
                self.writePeriodic()
                self.logger.warning("fault injected: the final checkpoint is withheld")
            }
            try? await Task.sleep(for: .seconds(3600))
        }
        await onQueue { self.writeFinal() }
    }

    /// A fault for the tests: with `STREAMLSTMD_FAULT_CHECKPOINT_STOP_RACE=1` in the environment, a
    /// periodic checkpoint is taken after the shards have stopped, and the final one is withheld.
    package static let injectedStopRace =
        ProcessInfo.processInfo.environment["STREAMLSTMD_FAULT_CHECKPOINT_STOP_RACE"] == "1"

    /// A periodic checkpoint: every series, or nothing. A snapshot that lacks series (a shard was
    /// stopping and could not answer, or fewer series than there were before it was asked for: no
    /// series ever leaves a running daemon) is not written over the last good file; it is counted
    /// (`streamlstmd_checkpoint_incomplete_total`) and logged, and the final checkpoint at the stop
    /// writes every series.
    package func writePeriodic() {
        let expected = engine.stats.series.load(ordering: .acquiring)
        let (snapshots, pause, missingShards) = engine.snapshot()
        guard missingShards == 0 && snapshots.count >= expected else {
            metrics?.checkpointsIncomplete.increment()
            logger.warning(
                "checkpoint not written: the snapshot lacks series; the previous one is kept",
                metadata: [
                    "series": "\(snapshots.count)", "expected": "\(expected)", "shards_missing": "\(missingShards)",
                ])
            return
        }
        write(snapshots, pause: pause, final: false)
    }

    /// The checkpoint at shutdown, after the shards have stopped.
    package func writeFinal() {
        write(engine.snapshotAfterStop(), pause: 0, final: true)
    }

    /// Runs `body` on the checkpoint queue (it blocks on the shards and the disk).
    private func onQueue(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                body()
                done.resume()
            }
        }
    }

    private func write(_ snapshots: [SeriesSnapshot], pause: UInt64, final: Bool) {
        do throws(CheckpointError) {
            let written = try store.write(snapshots)
            metrics?.checkpointDuration.recordNanoseconds(Int64(written.seconds * 1e9))
            metrics?.checkpointPause.recordNanoseconds(Int64(pause))
            metrics?.checkpointBytes.record(written.bytes)
            metrics?.checkpointTime.record(Date().timeIntervalSince1970)
            logger.log(
                level: final ? .info : .debug, "checkpoint written",
                metadata: [
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
