import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// The daemon as `streamlstmd run` runs it: logging, the runtime, the HTTP server, readiness and
/// reload, in one service group that stops in order whichever part ends first.
package enum DaemonProcess {
    /// The runtime could not be built (a socket, the state directory, a key): logged as critical.
    package struct CouldNotStart: Error {
        package let underlying: any Error
    }

    /// Runs until SIGTERM or SIGINT, or until a part ends; `reload` gives the configuration a
    /// SIGHUP applies (the file read again, with the command line on top), nil without a file.
    package static func run(
        config: DaemonConfig,
        reload load: (@Sendable () throws -> DaemonConfig)?
    ) async throws {
        let levels = LogLevelSwitch(config.logLevel)
        LoggingSystem.bootstrap { label in ReloadableLogHandler(label: label, levels: levels) }
        let logger = Logger(label: "streamlstmd")
        ProcessLimits.raiseDescriptorLimit(logger: logger)
        let registry = PrometheusCollectorRegistry()
        let runtime: DaemonRuntime
        do {
            runtime = try DaemonRuntime(config: config, logger: logger, metrics: DaemonMetrics(registry: registry))
        } catch {
            logger.critical("could not start", metadata: ["error": "\(error)"])
            throw CouldNotStart(underlying: error)
        }
        let readiness = Readiness()
        // Listening from here on (connections wait in the backlog until the server runs). A port taken
        // is a failed start like a ZeroMQ one: logged, the parts stopped, exit 69.
        let http: StatusServer?
        do {
            http = try HTTPAddress(config.http).map { address in
                try StatusServer.make(
                    host: address.host, port: address.port, registry: registry, readiness: readiness,
                    engine: runtime.engine, feedback: runtime.feedback, silences: runtime.silences, logger: logger)
            }
        } catch {
            logger.critical("could not start", metadata: ["error": "\(error)", "http": "\(config.http)"])
            runtime.stop()
            throw CouldNotStart(underlying: error)
        }
        if let http { logger.info("http on \(http.address)") }
        let notifier = SystemdNotifier()
        runtime.alertmanager.book.setHTTPAddress(http?.address)
        let reload = ReloadService(
            load: load, hangUps: await UnixSignalsSequence(trapping: .sighup),
            running: Protected(config), engine: runtime.engine,
            alertmanager: runtime.alertmanager, silences: runtime.silencePoller, security: runtime.security,
            levels: levels, notifier: notifier,
            logger: logger)
        let ready = ReadinessService(
            readiness: readiness, notifier: notifier, engine: runtime.engine, logger: logger,
            summary: [
                "shards": "\(config.engine.shards)", "training": "\(config.engine.training)",
                "state_dir": "\(config.effectiveStateDirectory ?? "none")",
            ])
        // Whichever part ends, on its own or with an error, the whole group stops in order.
        let services = runtime.services(http: http, readiness: ready, reload: reload).map {
            ServiceGroupConfiguration.ServiceConfiguration(
                service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup)
        }
        var group = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(30)
        // The group's signal sources see SIGTERM and SIGINT only once their default action
        // (terminate the process) is off; Darwin's service-lifecycle does this itself, Linux's not.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        defer { runtime.logTotals() }
        try await ServiceGroup(configuration: group).run()
    }
}
