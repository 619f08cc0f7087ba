import Foundation
import Logging
import Prometheus
import StreamLSTMVocabulary
import ZeroMQ

/// A daemon's parts, built and connected: inputs → engine (shards) → alert publisher,
/// with the checkpointer beside the shards. `DaemonService` builds them, runs them
/// as services and stops them; nothing else starts or stops them.
///
/// Inputs and the publisher have separate ZeroMQ contexts so that stopping
/// can go in order: shut the input context down (every receive returns
/// ETERM), let the shards finish what is queued, let the publisher send the
/// alerts that produced, then close it.
package final class DaemonRuntime: Sendable {
    package let config: DaemonConfig
    package let engine: Engine
    package let publisher: AlertPublisher
    package let inputs: [Input]
    /// Nil without a state directory.
    package let checkpointer: Checkpointer?
    /// The verdicts users gave (`POST /feedback`); nil without a state directory (they still apply).
    package let feedback: FeedbackJournal?
    /// Idle without Alertmanager URLs (a reload may add some).
    package let alertmanager: AlertmanagerService
    /// Every silence in force: local ones (kept in the state directory's `silences.json`) and those
    /// polled from the Alertmanagers. The engine's series books ask it once per batch (`current(now:)`).
    package let silences: SilenceBook
    /// Polls the Alertmanagers' silences into `silences`.
    package let silencePoller: SilencePoller
    /// The input context, which the inputs' service shuts down to end every receive.
    package let inputContext: ZMQContext
    /// Nil when no socket is a CURVE server.
    package let security: CurveSecurity?
    /// `/metrics`, `/healthz`, `/readyz` and the rest; nil when HTTP is off or not asked for.
    package let http: StatusServer?
    package let logger: Logger

    /// What the HTTP server needs beyond the parts: the registry `/metrics` reads and the
    /// readiness `/readyz` tells.
    package struct StatusEndpoint: Sendable {
        package init(registry: PrometheusCollectorRegistry, readiness: Readiness) {
            self.registry = registry
            self.readiness = readiness
        }
        package let registry: PrometheusCollectorRegistry
        package let readiness: Readiness
    }

    /// Starts the shards and the publisher, restores every series from the state directory
    /// (when there is one), then opens the inputs: nothing arrives before the state it meets.
    /// Then the HTTP server listens, when `status` is given and `config.http` is not `off`.
    ///
    /// A part that cannot start stops every part started before it, in the order a running
    /// daemon stops them, and the error is a `DaemonService.CouldNotStart` naming the part.
    package init(
        config: DaemonConfig, logger: Logger, metrics: DaemonMetrics? = nil, status: StatusEndpoint? = nil
    ) throws(DaemonService.CouldNotStart) {
        self.config = config
        self.logger = logger
        let outputContext: ZMQContext
        let inputContext: ZMQContext
        do {
            outputContext = try ZMQContext()
            inputContext = try ZMQContext()
        } catch {
            throw DaemonService.CouldNotStart(part: .pipeline, underlying: error)
        }
        self.inputContext = inputContext
        // What has started so far, stopped in reverse if a later part cannot start: the same
        // order as the services' at shutdown (inputs, shards and the last checkpoint, senders,
        // publisher).
        var started: [() -> Void] = [
            {
                inputContext.shutdown()
                outputContext.shutdown()
            }
        ]
        var inputs: [Input] = []
        var part = DaemonService.CouldNotStart.Part.pipeline
        do {
            // The ZAP handler binds in both contexts before any CURVE socket exists.
            let security = try CurveSecurity.start(
                servers: config.curveServers, contexts: [inputContext, outputContext], metrics: metrics?.factory,
                logger: logger)
            self.security = security
            let publisher = try AlertPublisher(
                context: outputContext, endpoint: config.alertsEndpoint, instance: config.engine.instance,
                curve: security?.servers[CurveSecurity.alertsDomain], logger: logger)
            self.publisher = publisher
            started.append { publisher.stop() }
            let alertmanager = try AlertmanagerService(
                config: config.alertmanager, instance: config.engine.instance, metricsFactory: metrics?.factory,
                logger: logger)
            self.alertmanager = alertmanager
            started.append { alertmanager.stopSenders() }
            let silences = SilenceBook(
                store: config.effectiveStateDirectory.map(SilenceStore.init(directory:)),
                pauseLearning: config.silences.pauseLearning, logger: logger)
            self.silences = silences
            silencePoller = try SilencePoller(
                book: silences, alertmanager: config.alertmanager, silences: config.silences,
                metricsFactory: metrics?.factory, logger: logger)
            let engine = Engine(
                config: config.engine, stats: EngineStats(metrics: metrics), silences: silences, logger: logger,
                alerts: AlertFanOut([publisher, alertmanager]))
            self.engine = engine
            started.append { engine.stop() }
            if let directory = config.effectiveStateDirectory {
                let store = try CheckpointStore(directory: directory)
                let restored = store.restore(config: config.engine.predictor, logger: logger)
                let kept = engine.restore(restored.snapshots, logger: logger)
                alertmanager.restore(kept.map(\.record), rules: config.engine.rules)
                if !restored.snapshots.isEmpty || restored.contents.problem != nil {
                    logger.info(
                        "restored",
                        metadata: [
                            "series": "\(kept.count)", "other_instances": "\(restored.snapshots.count - kept.count)",
                            "checkpoint_age_s":
                                "\(restored.contents.writtenAt.map { CheckpointFile.age(writtenAt: $0) } ?? "unknown")",
                            "seconds": "\(String(format: "%.3f", restored.seconds))",
                        ])
                }
                let checkpointer = Checkpointer(
                    store: store, engine: engine, interval: config.checkpointInterval, logger: logger, metrics: metrics)
                self.checkpointer = checkpointer
                // A failed start stops the shards and writes no checkpoint: what they hold was just read
                // from the file (a few samples at most came in since), and a start that fails on a taken
                // port is often a second copy beside the running daemon, whose file it would overwrite.
                started.append { engine.stop() }
                feedback = FeedbackJournal(directory: directory, logger: logger)
            } else {
                checkpointer = nil
                feedback = nil
            }
            for (index, input) in config.inputs.enumerated() {
                let opened = try Input(
                    config: input, context: inputContext, sink: engine, metrics: metrics,
                    curve: security?.servers[CurveSecurity.inputDomain(index)], logger: logger)
                inputs.append(opened)
                started.append {
                    inputContext.shutdown()
                    opened.wait()
                }
            }
            // Listening from here on (connections wait in the backlog until the server runs).
            part = .http
            if let status, let address = HTTPAddress(config.http) {
                http = try StatusServer.make(
                    host: address.host, port: address.port, registry: status.registry, readiness: status.readiness,
                    engine: engine, feedback: feedback, silences: silences, logger: logger)
            } else {
                http = nil
            }
        } catch {
            for stop in started.reversed() { stop() }
            throw DaemonService.CouldNotStart(part: part, underlying: error)
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
        if let http { logger.info("http on \(http.address)") }
    }

    /// The totals of the run, once it has stopped.
    package func logTotals() {
        let totals = engine.stats.snapshot
        let metadata: Logger.Metadata = [
            "samples": "\(totals.samples)", "series": "\(engine.stats.series.load(ordering: .relaxed))",
            "alerts_firing": "\(totals.alertsFiring)", "alerts_resolved": "\(totals.alertsResolved)",
            "training_adopted": "\(totals.training(.adopted))", "training_skipped": "\(totals.training(.skipped))",
        ]
        logger.info("stopped", metadata: metadata.merging(totals.rejectionMetadata) { $1 })
    }
}
