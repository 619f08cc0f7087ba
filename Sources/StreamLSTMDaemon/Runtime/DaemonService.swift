import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// The daemon as one service: it builds its parts (`DaemonRuntime`), runs them as one
/// service group, and owns their order.
///
/// - Start: the publisher, the Alertmanager senders, the shards, the restored state and the
///   checkpointer, the inputs, then HTTP (`DaemonRuntime.init`). A part that cannot start stops
///   the ones before it and the service throws `CouldNotStart`.
/// - Stop, in the reverse of `services`: readiness goes first, then the inputs close, the shards
///   drain, the last checkpoint is written, the senders make their last pass, the publisher
///   flushes, and HTTP answers to the end. Whichever part ends, on its own or with an error,
///   the whole group stops in that order.
///
/// `streamlstmd run` runs it with `Surroundings` (HTTP, readiness, reload, signals); the tools
/// that run a daemon inside their own process (the demo, the benchmark) use `withRunning`.
package final class DaemonService: Service, Sendable {
    /// A daemon that could not start: which part, and the error that part met.
    package struct CouldNotStart: Error, CustomStringConvertible {
        package enum Part: Sendable, Equatable {
            /// Sockets, keys, the state directory: everything before HTTP.
            case pipeline
            /// The HTTP server (`http`): its address, or its port taken.
            case http
        }

        package init(part: Part, underlying: any Error) {
            self.part = part
            self.underlying = underlying
        }

        package let part: Part
        package let underlying: any Error
        package var description: String { "\(underlying)" }
    }

    /// What the daemon process adds around the parts: HTTP, readiness for systemd, a reload on
    /// SIGHUP, graceful shutdown on SIGTERM and SIGINT, and its start and end in the log.
    package struct Surroundings: Sendable {
        package init(
            registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), levels: LogLevelSwitch,
            reload: (@Sendable () throws -> DaemonConfig)?
        ) {
            self.registry = registry
            self.levels = levels
            self.reload = reload
        }

        /// What `/metrics` reads; the parts' metrics are registered in it.
        package let registry: PrometheusCollectorRegistry
        package let levels: LogLevelSwitch
        /// The configuration a SIGHUP applies.
        /// Nil without a configuration file: a SIGHUP then says there is nothing to reload.
        package let reload: (@Sendable () throws -> DaemonConfig)?
    }

    package init(config: DaemonConfig, logger: Logger, surroundings: Surroundings? = nil) {
        self.config = config
        self.logger = logger
        self.surroundings = surroundings
    }

    package let config: DaemonConfig
    package let logger: Logger
    package let surroundings: Surroundings?

    /// Builds the parts and runs them until a graceful shutdown (a signal with `surroundings`,
    /// else the enclosing group's), cancellation, or a part's end.
    package func run() async throws {
        let readiness = Readiness()
        let runtime = try build(readiness: readiness)
        let around = await surroundingServices(runtime, readiness: readiness)
        if surroundings != nil {
            // The group's signal sources see SIGTERM and SIGINT only once their default action
            // (terminate the process) is off; Darwin's service-lifecycle does this itself, Linux's not.
            signal(SIGTERM, SIG_IGN)
            signal(SIGINT, SIG_IGN)
        }
        defer { if surroundings != nil { runtime.logTotals() } }
        let group = group(
            of: Self.services(runtime, http: runtime.http, around: around),
            signals: surroundings == nil ? [] : [.sigterm, .sigint])
        try await withGracefulShutdownHandler {
            try await group.run()
        } onGracefulShutdown: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// For the tools that run a daemon inside their own process (the demo, the benchmark): builds
    /// the parts, runs `body` on a thread of its own while they run, then stops them in the
    /// service's order and returns what `body` returned. An error of the parts' start is thrown
    /// as the part threw it; `body`'s error before a part's (which is then logged).
    package static func withRunning<Outcome: Sendable>(
        config: DaemonConfig, logger: Logger,
        _ body: @escaping @Sendable (DaemonRuntime) throws -> Outcome
    ) async throws -> Outcome {
        let daemon = DaemonService(config: config, logger: logger)
        let runtime: DaemonRuntime
        do {
            runtime = try daemon.build(readiness: Readiness())
        } catch {
            throw error.underlying
        }
        let group = daemon.group(of: services(runtime, http: nil, around: .init()), signals: [])
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let outcome = await OwnedThread(name: "daemon-user") { Result { try body(runtime) } }.value
            await group.triggerGracefulShutdown()
            var partFailed: (any Error)?
            do {
                try await tasks.waitForAll()
            } catch {
                partFailed = error
            }
            if case .failure = outcome, let partFailed {
                // The body's error is thrown; the part's failure, often its cause, is not lost.
                logger.error("a part of the daemon failed", metadata: ["error": "\(partFailed)"])
            }
            let value = try outcome.get()
            if let partFailed { throw partFailed }
            return value
        }
    }

    /// The parts, started; a failure logged as critical when this is the daemon process.
    private func build(readiness: Readiness) throws(CouldNotStart) -> DaemonRuntime {
        do {
            return try DaemonRuntime(
                config: config, logger: logger, metrics: surroundings.map { DaemonMetrics(registry: $0.registry) },
                status: surroundings.map { .init(registry: $0.registry, readiness: readiness) })
        } catch {
            if surroundings != nil {
                var metadata: Logger.Metadata = ["error": "\(error.underlying)"]
                if error.part == .http { metadata["http"] = "\(config.http)" }
                logger.critical("could not start", metadata: metadata)
            }
            throw error
        }
    }

    /// Reload and readiness around the parts, for the daemon process.
    private func surroundingServices(
        _ runtime: DaemonRuntime, readiness: Readiness
    ) async -> Around {
        guard let surroundings else { return Around() }
        let notifier = SystemdNotifier()
        runtime.alertmanager.book.setHTTPAddress(runtime.http?.address)
        let reload = ReloadService(
            load: surroundings.reload, hangUps: await UnixSignalsSequence(trapping: .sighup),
            running: Protected(config), engine: runtime.engine,
            alertmanager: runtime.alertmanager, silences: runtime.silencePoller, security: runtime.security,
            levels: surroundings.levels, notifier: notifier,
            logger: logger)
        let ready = ReadinessService(
            readiness: readiness, notifier: notifier, engine: runtime.engine, logger: logger,
            summary: [
                "shards": "\(config.engine.shards)", "training": "\(config.engine.training)",
                "state_dir": "\(config.effectiveStateDirectory ?? "none")",
            ])
        return Around(reload: reload, readiness: ready)
    }

    /// The services the daemon process adds; none for a daemon inside a tool.
    private struct Around {
        var reload: ReloadService?
        var readiness: ReadinessService?
    }

    /// The daemon's parts as services, in the order they start; the group stops them in reverse.
    private static func services(_ runtime: DaemonRuntime, http: StatusServer?, around: Around) -> [any Service] {
        var services: [any Service] = []
        if let http { services.append(http) }
        services.append(PublisherService(publisher: runtime.publisher))
        services.append(runtime.alertmanager)
        services.append(runtime.silencePoller)
        if let checkpointer = runtime.checkpointer { services.append(checkpointer) }
        services.append(ShardsService(engine: runtime.engine))
        services.append(
            StatusLineService(
                stats: runtime.engine.stats, interval: runtime.config.statusInterval, logger: runtime.logger))
        if let reload = around.reload { services.append(reload) }
        services.append(InputsService(inputs: runtime.inputs, context: runtime.inputContext, logger: runtime.logger))
        if let readiness = around.readiness { services.append(readiness) }
        return services
    }

    /// One group: whichever service ends, on its own or with an error, the whole group stops in order.
    private func group(of services: [any Service], signals: [UnixSignal]) -> ServiceGroup {
        var group = ServiceGroupConfiguration(
            services: services.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: signals, logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(30)
        return ServiceGroup(configuration: group)
    }
}
