import Foundation
import Logging

/// Everything `streamlstmd run` needs to start.
struct RunSettings: Sendable {
    var inputs: [InputConfig]
    var alertsEndpoint: String
    var engine: EngineConfig
    /// Seconds between status lines in the log; 0 for none.
    var statusInterval: Double
    /// Checkpoints go here when set.
    var stateDirectory: String? = nil
    var checkpointInterval: Double = 60
}

/// A running daemon: inputs → engine (shards) → alert publisher.
///
/// Inputs and the publisher have separate ZeroMQ contexts so that stopping
/// can go in order: shut the input context down (every receive returns
/// ETERM), let the shards finish what is queued, let the publisher send the
/// alerts that produced, then close it.
final class DaemonRuntime: Sendable {
    let settings: RunSettings
    let engine: Engine
    let publisher: AlertPublisher
    let inputs: [Input]
    /// Nil without a state directory.
    let checkpointer: Checkpointer?
    /// Told when an input dies.
    let failure = ComponentFailure()
    private let inputContext: ZMQContext
    let logger: Logger

    /// Starts everything; with a state directory, restores every series before the inputs open.
    init(settings: RunSettings, logger: Logger, metrics: DaemonMetrics? = nil) throws {
        self.settings = settings
        self.logger = logger
        let outputContext = try ZMQContext()
        publisher = try AlertPublisher(context: outputContext, endpoint: settings.alertsEndpoint,
                                       instance: settings.engine.instance, logger: logger)
        let publisher = self.publisher
        engine = Engine(config: settings.engine, stats: EngineStats(metrics: metrics), logger: logger) {
            publisher.publish($0)
        }
        if let directory = settings.stateDirectory {
            let store: CheckpointStore
            do {
                store = try CheckpointStore(directory: directory)
            } catch {
                engine.stop()
                publisher.stop()
                throw error
            }
            let restored = store.restore(config: settings.engine.predictor, logger: logger)
            let kept = engine.restore(restored.snapshots)
            if !restored.snapshots.isEmpty || restored.contents.problem != nil {
                logger.info("restored", metadata: [
                    "series": "\(kept)", "other_instances": "\(restored.snapshots.count - kept)",
                    "checkpoint_age_s": "\(restored.contents.writtenAt.map { CheckpointFile.age(writtenAt: $0) } ?? "unknown")",
                    "seconds": "\(String(format: "%.3f", restored.seconds))",
                ])
            }
            checkpointer = Checkpointer(store: store, engine: engine, interval: settings.checkpointInterval,
                                        logger: logger, metrics: metrics)
        } else {
            checkpointer = nil
        }
        inputContext = try ZMQContext()
        var inputs: [Input] = []
        do throws(ZMQError) {
            for input in settings.inputs {
                inputs.append(try Input(config: input, context: inputContext, engine: engine, logger: logger,
                                        failure: failure))
            }
        } catch {
            inputContext.shutdown()
            for input in inputs { input.wait() }
            engine.stop()
            publisher.stop()
            throw error
        }
        self.inputs = inputs
        for input in inputs {
            logger.info("input \(input.config.mode.rawValue)ing", metadata: [
                "endpoints": "\(input.endpoints.joined(separator: " "))", "format": "\(input.config.format.rawValue)",
            ])
        }
        logger.info("alerts on \(publisher.endpoint)")
        checkpointer?.start()
    }

    /// Stops inputs, drains the shards, flushes the alerts, writes the last checkpoint.
    func shutdown() {
        inputContext.shutdown()
        for input in inputs { input.wait() }
        checkpointer?.stop()
        engine.stop()
        publisher.stop()
        checkpointer?.writeFinal()
        let totals = engine.stats.snapshot
        var rejected: Logger.Metadata = [:]
        for reason in RejectReason.allCases where totals.rejected(reason) > 0 {
            rejected[reason.name] = "\(totals.rejected(reason))"
        }
        logger.info("stopped", metadata: [
            "samples": "\(totals.samples)", "series": "\(engine.stats.series.load(ordering: .relaxed))",
            "rejected": .dictionary(rejected), "alerts_firing": "\(totals.alertsFiring)",
            "alerts_resolved": "\(totals.alertsResolved)",
            "training_adopted": "\(totals.training(.adopted))", "training_skipped": "\(totals.training(.skipped))",
        ])
    }

    /// Logs a status line every `statusInterval` seconds until cancelled.
    func startStatusLine() -> DispatchSourceTimer? {
        guard settings.statusInterval > 0 else { return nil }
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        let interval = settings.statusInterval
        let stats = engine.stats, logger = self.logger
        let previous = Protected(stats.snapshot)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler {
            let now = stats.snapshot
            let before = previous.withLock { old in
                defer { old = now }
                return old
            }
            logger.info("status", metadata: [
                "samples_per_s": "\(Int(Double(now.samples - before.samples) / interval))",
                "samples": "\(now.samples)",
                "series": "\(stats.series.load(ordering: .relaxed))",
                "rejected": "\(now.totalRejected)",
                "alerts": "\(now.alertsFiring + now.alertsResolved)",
            ])
        }
        timer.resume()
        return timer
    }
}

