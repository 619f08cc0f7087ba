import ArgumentParser
import Foundation
import Logging

extension PayloadFormat: ExpressibleByArgument {}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `on` / `off` switches on the command line.
enum Switch: String, ExpressibleByArgument, Sendable {
    case on, off
}

/// `streamlstmd run`: the daemon.
struct RunCommand: ParsableCommand {
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

    func validate() throws {
        if let problem = settings.engine.problem { throw ValidationError(problem) }
        guard statusInterval >= 0 else { throw ValidationError("--status-interval must be >= 0") }
    }

    func run() throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "streamlstmd")
        let runtime: DaemonRuntime
        do {
            runtime = try DaemonRuntime(settings: settings, logger: logger)
        } catch {
            logger.critical("could not start", metadata: ["error": "\(error)"])
            throw ExitCode(EX_UNAVAILABLE)
        }
        runtime.runUntilSignalled()
    }
}
