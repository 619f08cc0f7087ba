import ArgumentParser
import Foundation
import Logging
import StreamLSTMDaemon
import StreamLSTMVocabulary

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
        abstract: "Run the daemon: subscribe to metric streams, detect anomalies, publish alerts.",
        discussion: """
            Settings come from --config (YAML; see deploy/streamlstmd.yaml), then from the options \
            given here, which win. --listen and --connect replace the file's inputs.
            """
    )

    @Option(help: "YAML configuration file (every key has a default).")
    var config: String?

    @Option(
        name: .customLong("listen"),
        help:
            "Bind a SUB socket here (producers connect to it); repeatable (default: \(DaemonConfig().inputs[0].endpoints[0]))."
    )
    var listenEndpoints: [String] = []

    @Option(name: .customLong("connect"), help: "Connect a SUB socket to a producer's PUB here; repeatable.")
    var connectEndpoints: [String] = []

    @Option(help: "Bind the alert PUB socket here (default: \(DaemonConfig().alertsEndpoint)).")
    var alerts: String?

    @Option(help: "Payload format of the inputs; auto detects it per message (default: auto).")
    var format: PayloadFormat?

    @Option(name: .customLong("subscribe"), help: "Topic prefix to subscribe to; repeatable (default: everything).")
    var subscriptions: [String] = []

    @Flag(help: "Take samples older than their series' last one instead of dropping them.")
    var acceptOutOfOrder = false

    @Option(help: "Shard threads (default: one per core).")
    var shards: Int?

    @Option(help: "Keep only shard I of N instances on the same streams (I/N, by series fingerprint).")
    var shard: String?

    @Option(help: "Series the daemon will track at most; new ones past it are rejected.")
    var maxSeries: Int?

    @Option(help: "Bytes the series may hold in all (0: no budget); new ones past it are rejected.")
    var maxMemory: Int?

    @Option(help: "Online learning: on or off (default: \(DaemonConfig().engine.training ? "on" : "off")).")
    var training: Switch?

    @Option(help: "Name of this daemon in alert labels (default: the host name).")
    var instance: String?

    @Option(
        help: """
            Serve HTTP on HOST:PORT (port 0: any free port; `off`: none): GET /metrics, /healthz, /readyz, \
            /series (?key=K for one), /silences; POST /feedback, /silences; DELETE /silences \
            (default: \(DaemonConfig().http)).
            """)
    var http: String?

    @Option(
        help:
            "Seconds between looks at the counts: a status line when one changed, else every 5 minutes (0: none)."
    )
    var statusInterval: Double?

    @Option(help: "Log level (default: \(DaemonConfig().logLevel.rawValue)).")
    var logLevel: Logger.Level?

    @Option(help: "Keep checkpoints of every series here (default: $STATE_DIRECTORY under systemd, else none).")
    var stateDir: String?

    @Option(help: "Seconds between checkpoints (default: \(ConfigNumber.text(DaemonConfig().checkpointInterval))).")
    var checkpointInterval: Double?

    @Option(
        name: .customLong("alertmanager"),
        help: "Send alerts to this Prometheus Alertmanager too (its base URL); repeatable.")
    var alertmanagerURLs: [String] = []

    /// The configuration file's settings with this command line's on top, checked together: a bad
    /// value is a `ConfigError` naming its key when the file set it, a usage error naming the flag
    /// when the command line did.
    func effectiveConfig() throws -> DaemonConfig {
        var config = try self.config.map { file in try DaemonConfig.load(file: file, checked: false) } ?? DaemonConfig()
        if !listenEndpoints.isEmpty || !connectEndpoints.isEmpty {
            config.inputs = []
            if !listenEndpoints.isEmpty { config.inputs.append(InputConfig(mode: .listen, endpoints: listenEndpoints)) }
            if !connectEndpoints.isEmpty {
                config.inputs.append(InputConfig(mode: .connect, endpoints: connectEndpoints))
            }
        }
        for index in config.inputs.indices {
            if let format { config.inputs[index].format = format }
            if !subscriptions.isEmpty { config.inputs[index].subscriptions = subscriptions }
            if acceptOutOfOrder { config.inputs[index].acceptOutOfOrder = true }
        }
        if let alerts { config.alertsEndpoint = alerts }
        if let shards { config.engine.shards = shards }
        if let maxSeries { config.engine.maxSeries = maxSeries }
        if let maxMemory { config.engine.maxMemory = maxMemory }
        if let shard {
            guard let parsed = InstanceShard(shard) else { throw ValidationError("--shard takes I/N, not \(shard)") }
            config.engine.instanceShard = parsed
        }
        if let training { config.engine.training = training == .on }
        if let instance { config.engine.instance = instance }
        if let http { config.http = http }
        if let statusInterval { config.statusInterval = statusInterval }
        if let logLevel { config.logLevel = logLevel }
        if let stateDir { config.stateDirectory = stateDir }
        if let checkpointInterval { config.checkpointInterval = checkpointInterval }
        if !alertmanagerURLs.isEmpty { config.alertmanager.urls = alertmanagerURLs }
        if let problem = config.problem {
            if let flag = flag(setting: problem.key, in: config) {
                throw ValidationError("\(flag): \(problem.problem)")
            }
            throw problem
        }
        return config
    }

    /// The option of this command line that set the value of `key`, if one did.
    private func flag(setting key: String, in config: DaemonConfig) -> String? {
        if key.hasPrefix("inputs[") {
            guard !listenEndpoints.isEmpty || !connectEndpoints.isEmpty,
                let index = Int(key.dropFirst("inputs[".count).prefix { $0 != "]" }),
                config.inputs.indices.contains(index)
            else { return nil }
            return config.inputs[index].mode == .listen ? "--listen" : "--connect"
        }
        let given: [String: (flag: String, given: Bool)] = [
            "alerts_endpoint": ("--alerts", alerts != nil), "shards": ("--shards", shards != nil),
            "shard": ("--shard", shard != nil), "max_series": ("--max-series", maxSeries != nil),
            "max_memory": ("--max-memory", maxMemory != nil), "instance": ("--instance", instance != nil),
            "http": ("--http", http != nil), "status_interval": ("--status-interval", statusInterval != nil),
            "state_dir": ("--state-dir", stateDir != nil),
            "checkpoint_interval": ("--checkpoint-interval", checkpointInterval != nil),
        ]
        if key.hasPrefix("alertmanager.urls") && !alertmanagerURLs.isEmpty { return "--alertmanager" }
        return given[key].flatMap { $0.given ? $0.flag : nil }
    }

    func validate() throws {
        do {
            _ = try effectiveConfig()
        } catch let error as ConfigError {
            throw ConfigRefusal.refuse(self.config, error)
        }
    }

    func run() async throws {
        let config: DaemonConfig
        do {
            config = try effectiveConfig()
        } catch let error as ConfigError {
            throw ConfigRefusal.refuse(self.config, error)
        }
        let command = self
        // Without a file a SIGHUP has nothing to read again.
        let reload: (@Sendable () throws -> DaemonConfig)? =
            self.config == nil ? nil : { @Sendable () throws -> DaemonConfig in try command.effectiveConfig() }
        do {
            try await DaemonProcess.run(config: config, reload: reload)
        } catch is DaemonService.CouldNotStart {
            throw ExitCode(EX_UNAVAILABLE)
        }
    }
}
