import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

extension PayloadFormat: ExpressibleByArgument {}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `on` / `off` switches on the command line.
enum Switch: String, ExpressibleByArgument, Sendable {
    case on, off
}

/// `streamlstmd run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: subscribe to metric streams, detect anomalies, publish alerts."
    )

    @Option(name: .customLong("listen"), help: "Bind a SUB socket here (producers connect to it); repeatable.")
    var listenEndpoints: [String] = []

    @Option(name: .customLong("connect"), help: "Connect a SUB socket to a producer's PUB here; repeatable.")
    var connectEndpoints: [String] = []

    @Option(help: "Bind the alert PUB socket here.")
    var alerts: String = "tcp://127.0.0.1:5556"

    @Option(help: "Payload format of the inputs: auto, graphite, influx or json.")
    var format: PayloadFormat = .auto

    @Option(name: .customLong("subscribe"), help: "Topic prefix to subscribe to; repeatable (default: everything).")
    var subscriptions: [String] = []

    @Flag(help: "Take samples older than their series' last one instead of dropping them.")
    var acceptOutOfOrder = false

    @Option(help: "Shard threads (default: one per core).")
    var shards: Int?

    @Option(help: "Series the daemon will track at most; new ones past it are rejected.")
    var maxSeries: Int = 100_000

    @Option(help: "Online learning: on or off.")
    var training: Switch = .on

    @Option(help: "Name of this daemon in alert labels (default: the host name).")
    var instance: String?

    @Option(help: "Serve /metrics, /healthz and /readyz on this HOST:PORT (port 0: any free port; `off`: none).")
    var http: String = "127.0.0.1:9464"

    @Option(help: "Seconds between status lines in the log (0: none).")
    var statusInterval: Double = 10

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    var settings: RunSettings {
        var engine = EngineConfig()
        if let shards { engine.shards = shards }
        engine.maxSeries = maxSeries
        engine.training = training == .on
        engine.instance = instance ?? ProcessInfo.processInfo.hostName
        func input(_ mode: InputConfig.Mode, _ endpoints: [String]) -> InputConfig {
            InputConfig(mode: mode, endpoints: endpoints, subscriptions: subscriptions.isEmpty ? [""] : subscriptions,
                        format: format, acceptOutOfOrder: acceptOutOfOrder)
        }
        var inputs: [InputConfig] = []
        if !listenEndpoints.isEmpty { inputs.append(input(.listen, listenEndpoints)) }
        if !connectEndpoints.isEmpty { inputs.append(input(.connect, connectEndpoints)) }
        if inputs.isEmpty { inputs.append(input(.listen, ["tcp://127.0.0.1:5555"])) }
        return RunSettings(inputs: inputs, alertsEndpoint: alerts, engine: engine, statusInterval: statusInterval)
    }

    /// `--http` as host and port, or nil for `off`.
    var httpAddress: (host: String, port: UInt16)? {
        get throws {
            guard http != "off" else { return nil }
            guard let colon = http.lastIndex(of: ":"), let port = UInt16(http[http.index(after: colon)...]) else {
                throw ValidationError("--http takes HOST:PORT or off, not \(http)")
            }
            return (String(http[..<colon]), port)
        }
    }

    func validate() throws {
        if let problem = settings.engine.problem { throw ValidationError(problem) }
        _ = try httpAddress
        guard statusInterval >= 0 else { throw ValidationError("--status-interval must be >= 0") }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "streamlstmd")
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A step takes microseconds: the default buckets (5 ms and up) would put every one in the first.
        factory.durationHistogramBuckets["streamlstmd_step_duration_seconds"] =
            [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000].map { Duration.microseconds($0) }
        let metrics = DaemonMetrics(factory: factory)
        let runtime: DaemonRuntime
        do {
            runtime = try DaemonRuntime(settings: settings, logger: logger, metrics: metrics)
        } catch {
            logger.critical("could not start", metadata: ["error": "\(error)"])
            throw ExitCode(EX_UNAVAILABLE)
        }
        let readiness = Readiness()
        var services: [any Service] = []
        var dependencies: @Sendable () async throws -> Void = {}
        if let (host, port) = try httpAddress {
            let server = try await StatusServer.make(host: host, port: port, registry: registry, readiness: readiness,
                                                     logger: logger)
            services.append(server)
            dependencies = {
                let address = try await server.listeningAddress()
                logger.info("http on \(address)")
            }
        }
        // The group stops services in reverse order: the daemon drains first, HTTP answers until then.
        services.append(DaemonService(runtime: runtime, readiness: readiness, dependencies: dependencies))
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        // The group's signal sources see SIGTERM and SIGINT only once their default action
        // (terminate the process) is off; Darwin's service-lifecycle does this itself, Linux's not.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        try await ServiceGroup(configuration: configuration).run()
    }
}
