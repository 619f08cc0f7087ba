import Foundation
import Logging
import ServiceLifecycle

/// A daemon's parts, built and connected: inputs → engine (shards) → alert publisher,
/// with the checkpointer beside the shards.
///
/// Inputs and the publisher have separate ZeroMQ contexts so that stopping
/// can go in order: shut the input context down (every receive returns
/// ETERM), let the shards finish what is queued, let the publisher send the
/// alerts that produced, then close it.
final class DaemonRuntime: Sendable {
    let config: DaemonConfig
    let engine: Engine
    let publisher: AlertPublisher
    let inputs: [Input]
    /// Nil without a state directory.
    let checkpointer: Checkpointer?
    /// Idle without Alertmanager URLs (a reload may add some).
    let alertmanager: AlertmanagerService
    private let inputContext: ZMQContext
    /// Nil when no socket is a CURVE server.
    let security: CurveSecurity?
    let logger: Logger

    /// Starts the shards and the publisher, restores every series from the state directory
    /// (when there is one), then opens the inputs: nothing arrives before the state it meets.
    init(config: DaemonConfig, logger: Logger, metrics: DaemonMetrics? = nil) throws {
        self.config = config
        self.logger = logger
        let outputContext = try ZMQContext()
        let inputContext = try ZMQContext()
        self.inputContext = inputContext
        // The ZAP handler binds in both contexts before any CURVE socket exists.
        let security: CurveSecurity?
        do {
            security = try CurveSecurity.start(
                config: config, contexts: [inputContext, outputContext], metrics: metrics?.factory, logger: logger)
        } catch {
            inputContext.shutdown()
            outputContext.shutdown()
            throw error
        }
        self.security = security
        do {
            publisher = try AlertPublisher(
                context: outputContext, endpoint: config.alertsEndpoint, instance: config.engine.instance,
                curve: security?.servers[CurveSecurity.alertsDomain], logger: logger)
        } catch {
            inputContext.shutdown()
            outputContext.shutdown()
            throw error
        }
        let publisher = self.publisher
        let alertmanager: AlertmanagerService
        do {
            alertmanager = try AlertmanagerService(
                config: config.alertmanager, instance: config.engine.instance, metricsFactory: metrics?.factory,
                logger: logger)
        } catch {
            inputContext.shutdown()
            publisher.stop()
            throw error
        }
        self.alertmanager = alertmanager
        engine = Engine(config: config.engine, stats: EngineStats(metrics: metrics), logger: logger) { alert in
            publisher.publish(alert)
            alertmanager.take(alert)
        }
        if let directory = config.effectiveStateDirectory {
            let store: CheckpointStore
            do {
                store = try CheckpointStore(directory: directory)
            } catch {
                inputContext.shutdown()
                engine.stop()
                publisher.stop()
                throw error
            }
            let restored = store.restore(config: config.engine.predictor, logger: logger)
            let kept = engine.restore(restored.snapshots)
            alertmanager.restore(
                restored.snapshots.filter { config.engine.instanceShard.keeps($0.fingerprint) }.map(\.record))
            if !restored.snapshots.isEmpty || restored.contents.problem != nil {
                logger.info(
                    "restored",
                    metadata: [
                        "series": "\(kept)", "other_instances": "\(restored.snapshots.count - kept)",
                        "checkpoint_age_s":
                            "\(restored.contents.writtenAt.map { CheckpointFile.age(writtenAt: $0) } ?? "unknown")",
                        "seconds": "\(String(format: "%.3f", restored.seconds))",
                    ])
            }
            checkpointer = Checkpointer(
                store: store, engine: engine, interval: config.checkpointInterval,
                logger: logger, metrics: metrics)
        } else {
            checkpointer = nil
        }
        var inputs: [Input] = []
        do throws(ZMQError) {
            for (index, input) in config.inputs.enumerated() {
                inputs.append(
                    try Input(
                        config: input, context: inputContext, engine: engine,
                        curve: security?.servers[CurveSecurity.inputDomain(index)], logger: logger))
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
            logger.info(
                "input \(input.config.mode.rawValue)ing",
                metadata: [
                    "endpoints": "\(input.endpoints.joined(separator: " "))",
                    "format": "\(input.config.format.rawValue)",
                ])
        }
        logger.info("alerts on \(publisher.endpoint)")
    }

    /// The daemon's parts as services, in the order they start; the service group stops
    /// them in reverse: readiness goes first, then the inputs close, the shards drain, the
    /// last checkpoint is written, the publisher flushes, and HTTP answers to the end.
    func services(http: StatusServer?, readiness: ReadinessService, reload: ReloadService) -> [any Service] {
        var services: [any Service] = []
        if let http { services.append(http) }
        services.append(PublisherService(publisher: publisher))
        services.append(alertmanager)
        if let checkpointer { services.append(checkpointer) }
        services.append(ShardsService(engine: engine))
        services.append(StatusLineService(stats: engine.stats, interval: config.statusInterval, logger: logger))
        services.append(reload)
        services.append(InputsService(inputs: inputs, context: inputContext, logger: logger))
        services.append(readiness)
        return services
    }

    /// For the tools that run a daemon inside their own process (the demo, the benchmark):
    /// stops it in the services' order, blocking.
    func stop() {
        inputContext.shutdown()
        for input in inputs { input.wait() }
        engine.stop()
        checkpointer?.writeFinal()
        alertmanager.stopSenders()
        publisher.stop()
    }

    /// The totals of the run, once it has stopped.
    func logTotals() {
        let totals = engine.stats.snapshot
        var rejected: Logger.Metadata = [:]
        for reason in RejectReason.allCases where totals.rejected(reason) > 0 {
            rejected[reason.name] = "\(totals.rejected(reason))"
        }
        logger.info(
            "stopped",
            metadata: [
                "samples": "\(totals.samples)", "series": "\(engine.stats.series.load(ordering: .relaxed))",
                "rejected": .dictionary(rejected), "alerts_firing": "\(totals.alertsFiring)",
                "alerts_resolved": "\(totals.alertsResolved)",
                "training_adopted": "\(totals.training(.adopted))", "training_skipped": "\(totals.training(.skipped))",
            ])
    }
}
