import Foundation
import Logging
import StreamLSTM
import StreamLSTMVocabulary
import Yams
import ZeroMQ

/// Everything `streamlstmd run` can be told, from one YAML file. Every key
/// has a default, so no file (or an empty one) is a working configuration.
package struct DaemonConfig: Sendable {
    package init() {}

    package var inputs: [InputConfig] = [InputConfig(mode: .listen, endpoints: ["tcp://127.0.0.1:5555"])]
    package var alertsEndpoint = "tcp://127.0.0.1:5556"
    /// HOST:PORT of the status server, or `off`.
    package var http = "127.0.0.1:9464"
    package var engine: EngineConfig = {
        var engine = EngineConfig()
        engine.instance = ProcessInfo.processInfo.hostName
        return engine
    }()
    package var statusInterval = 10.0
    package var alertmanager = AlertmanagerConfig()
    /// `alertmanager.silence_poll` and `alertmanager.silences_pause_learning`.
    package var silences = SilenceConfig()
    /// The alert socket as a CURVE server (subscribers need an allowed key), or plain text.
    package var alertsCurve = CurveServerConfig()
    /// Plain-text alerts on an address other than loopback, refused unless this says so.
    package var alertsAllowPlaintext = false
    package var logLevel = Logger.Level.info
    /// Where checkpoints live; empty: `$STATE_DIRECTORY` (systemd's StateDirectory=) if set, else none.
    package var stateDirectory = ""
    /// Seconds between checkpoints: a killed daemon loses at most this much learning.
    package var checkpointInterval = 60.0

    /// A daemon inside a tool's process (the demo, the benchmark): one input and the alert
    /// socket on free loopback ports, no HTTP, no status lines, no state kept.
    package static func inProcess(_ engine: EngineConfig) -> DaemonConfig {
        var config = DaemonConfig()
        config.inputs = [InputConfig(mode: .listen, endpoints: ["tcp://127.0.0.1:*"])]
        config.alertsEndpoint = "tcp://127.0.0.1:*"
        config.http = "off"
        config.engine = engine
        config.statusInterval = 0
        return config
    }

    /// The state directory in use: the configured one, or systemd's, or none.
    package var effectiveStateDirectory: String? {
        if !stateDirectory.isEmpty { return stateDirectory }
        // systemd may list several, separated by colons; the first is ours.
        let fromSystemd = ProcessInfo.processInfo.environment["STATE_DIRECTORY"]?.split(separator: ":").first
        return fromSystemd.map(String.init)
    }

    /// The first reason this configuration cannot run, naming its key.
    package var problem: ConfigError? {
        if inputs.isEmpty { return ConfigError(key: "inputs", problem: "at least one input is needed") }
        for (index, input) in inputs.enumerated() {
            if input.endpoints.isEmpty { return ConfigError(key: "inputs[\(index)]", problem: "no endpoints") }
            if input.maxMessageBytes < 1 {
                return ConfigError(key: "inputs[\(index)].max_message_bytes", problem: "must be >= 1")
            }
            if let problem = input.curve.problem(at: "inputs[\(index)].curve") { return problem }
            if input.curve.isOn && input.mode == .connect {
                return ConfigError(key: "inputs[\(index)].curve", problem: "CURVE is for listening inputs")
            }
            var endpoints: [String] = []
            for endpoint in input.endpoints {
                do throws(ZMQEndpoint.Problem) {
                    endpoints.append(try ZMQEndpoint.normalized(endpoint, binding: input.mode == .listen))
                } catch {
                    return ConfigError(key: "inputs[\(index)].\(input.mode.rawValue)", problem: error.description)
                }
            }
            if input.mode == .listen, !input.curve.isOn, !input.allowPlaintext,
                let open = endpoints.first(where: { !CurveServerConfig.isLocal($0) })
            {
                return ConfigError(
                    key: "inputs[\(index)]",
                    problem: "\(open) would take plain-text samples from the network: give it a curve: section, "
                        + "or set allow_plaintext: true on this input")
            }
            if input.maxKeyLength < 1 {
                return ConfigError(key: "inputs[\(index)].max_key_length", problem: "must be >= 1")
            }
        }
        if http != "off" && HTTPAddress(http) == nil {
            return ConfigError(key: "http", problem: "expected HOST:PORT or off, got \"\(http)\"")
        }
        for key in Self.keys {
            if let problem = key.check(self) { return ConfigError(key: key.path, problem: problem) }
        }
        if let problem = relationProblem { return problem }
        // Every bound of the engine's is a key's above; this is a guard for one added there only.
        if let problem = engine.problem { return ConfigError(key: "", problem: problem) }
        if let problem = alertmanager.problem { return problem }
        if let problem = silences.problem { return problem }
        if let problem = alertsCurve.problem(at: "alerts_curve") { return problem }
        let alertsAddress: String
        do throws(ZMQEndpoint.Problem) {
            alertsAddress = try ZMQEndpoint.normalized(alertsEndpoint, binding: true)
        } catch {
            return ConfigError(key: "alerts_endpoint", problem: error.description)
        }
        if !alertsCurve.isOn, !alertsAllowPlaintext, !CurveServerConfig.isLocal(alertsAddress) {
            return ConfigError(
                key: "alerts_endpoint",
                problem: "\(alertsEndpoint) would publish alerts in plain text to the network: give an alerts_curve "
                    + "section, or set alerts_allow_plaintext: true")
        }
        return nil
    }

    /// The bounds of a key that depend on another key's value, naming both.
    private var relationProblem: ConfigError? {
        let training = engine.predictor.training
        if training.every > 0 && training.window % training.every != 0 {
            return ConfigError(
                key: "training.window",
                problem: "\(training.window) is not a multiple of training.every (\(training.every))")
        }
        if training.heldOut >= training.window {
            return ConfigError(
                key: "training.held_out",
                problem: "\(training.heldOut) must be below training.window (\(training.window))")
        }
        let model = engine.predictor.model
        if model.peepholes && model.cell != .lstm {
            return ConfigError(
                key: "model.peepholes", problem: "true needs model.cell: lstm, not \(model.cell.rawValue)")
        }
        let alerts = engine.alerts
        let fire = ConfigNumber.text(alerts.fireThreshold)
        if !(alerts.criticalThreshold >= alerts.fireThreshold && alerts.criticalThreshold <= 1) {
            return ConfigError(
                key: "alerts.critical_threshold",
                problem:
                    "\(ConfigNumber.text(alerts.criticalThreshold)) is outside [alerts.fire_threshold (\(fire)), 1]")
        }
        if !(alerts.resolveThreshold >= 0 && alerts.resolveThreshold <= alerts.fireThreshold) {
            return ConfigError(
                key: "alerts.resolve_threshold",
                problem: "\(ConfigNumber.text(alerts.resolveThreshold)) is outside [0, alerts.fire_threshold (\(fire))]"
            )
        }
        if let problem = engine.rules.problem(over: alerts) { return problem }
        if engine.instanceShard.problem != nil {
            return ConfigError(key: "shard", problem: "\(engine.instanceShard) needs 0 <= I < N")
        }
        return nil
    }

    // MARK: Reading

    /// `checked`: false leaves the checks of `problem` to the caller, who may set values on top.
    package static func load(file: String, checked: Bool = true) throws(ConfigError) -> DaemonConfig {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(key: "", problem: "cannot read \(file): \(error.localizedDescription)")
        }
        return try load(yaml: text, checked: checked)
    }

    package static func load(yaml text: String, checked: Bool = true) throws(ConfigError) -> DaemonConfig {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ConfigError(key: "", problem: "not valid YAML: \(error)")
        }
        var root = try ConfigReader(document, path: "")
        var config = DaemonConfig()
        if let list = root.raw("inputs") {
            guard let items = list as? [Any] else {
                throw ConfigError(key: "inputs", problem: "expected a list of inputs")
            }
            config.inputs = try items.enumerated().map { (index, item) throws(ConfigError) in
                try readInput(item, path: "inputs[\(index)]")
            }
        }
        for section in sections {
            var reader = section.isEmpty ? root : try ConfigReader(root.raw(section), path: section)
            for key in keys where key.section == section { try key.read(&reader, &config) }
            if section.isEmpty { root = reader } else { try reader.finish() }
        }
        try root.finish()
        if checked, let problem = config.problem { throw problem }
        return config
    }

    private static func readInput(_ item: Any, path: String) throws(ConfigError) -> InputConfig {
        var r = try ConfigReader(item, path: path)
        let listen = try r.strings("listen", [])
        let connect = try r.strings("connect", [])
        guard listen.isEmpty != connect.isEmpty else {
            throw ConfigError(key: path, problem: "give exactly one of listen and connect")
        }
        var input = InputConfig(mode: listen.isEmpty ? .connect : .listen, endpoints: listen.isEmpty ? connect : listen)
        input.subscriptions = try r.strings("subscribe", input.subscriptions)
        input.format = try r.choice("format", input.format)
        input.influxPrecision = try r.choice("influx_precision", input.influxPrecision)
        input.maxMessageBytes = try r.int("max_message_bytes", input.maxMessageBytes)
        input.maxKeyLength = try r.int("max_key_length", input.maxKeyLength)
        input.acceptOutOfOrder = try r.choice("out_of_order", OutOfOrder.drop) == .accept
        input.allowPlaintext = try r.bool("allow_plaintext", input.allowPlaintext)
        if let curve = r.raw("curve") {
            var c = try ConfigReader(curve, path: "\(path).curve")
            input.curve.secretKeyFile = try c.string("secret_key_file", "")
            input.curve.allowedKeys = try c.string("allowed_keys", "")
            try c.finish()
        }
        try r.finish()
        return input
    }

    package enum OutOfOrder: String, CaseIterable {
        case drop, accept
    }

    // MARK: Writing

    /// The effective configuration as YAML, every key with its value.
    package var yaml: String {
        var lines = ["inputs:"] + inputs.flatMap(\.yamlLines)
        for section in Self.sections {
            if !section.isEmpty { lines.append("\(section):") }
            for key in Self.keys where key.section == section {
                lines.append("\(section.isEmpty ? "" : "  ")\(key.name): \(key.print(self))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension InputConfig {
    /// This input as an item of the YAML list `inputs`.
    package var yamlLines: [String] {
        [
            "  - \(mode == .listen ? "listen" : "connect"): [\(endpoints.map(YAMLText.quoted).joined(separator: ", "))]",
            "    subscribe: [\(subscriptions.map(YAMLText.quoted).joined(separator: ", "))]",
            "    format: \(format.rawValue)",
            "    influx_precision: \(influxPrecision.rawValue)",
            "    max_message_bytes: \(maxMessageBytes)",
            "    max_key_length: \(maxKeyLength)",
            "    out_of_order: \(acceptOutOfOrder ? "accept" : "drop")",
            "    allow_plaintext: \(allowPlaintext)",
        ]
            + (curve.isOn
                ? [
                    "    curve:",
                    "      secret_key_file: \(YAMLText.quoted(curve.secretKeyFile))",
                    "      allowed_keys: \(YAMLText.quoted(curve.allowedKeys))",
                ] : [])
    }
}

/// `HOST:PORT`.
package struct HTTPAddress: Equatable {
    package let host: String
    package let port: UInt16

    package init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
            let port = UInt16(text[text.index(after: colon)...])
        else { return nil }
        // The server binds to an IPv4 address; `localhost` is what people type for 127.0.0.1.
        let name = text[..<colon]
        host = name == "localhost" ? "127.0.0.1" : String(name)
        self.port = port
    }
}

extension DaemonConfig {
    /// The sockets that are CURVE servers, by ZAP domain (`input0`, `input1`, ... and `alerts`).
    package var curveServers: [(domain: String, config: CurveServerConfig)] {
        var configured: [(domain: String, config: CurveServerConfig)] = inputs.enumerated()
            .filter { $0.element.curve.isOn }.map { (CurveSecurity.inputDomain($0.offset), $0.element.curve) }
        if alertsCurve.isOn { configured.append((CurveSecurity.alertsDomain, alertsCurve)) }
        return configured
    }
}
