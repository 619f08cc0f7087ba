import Foundation
import Logging
import StreamLSTM
import Yams

/// Everything `streamlstmd run` can be told, from one YAML file. Every key
/// has a default, so no file (or an empty one) is a working configuration.
struct DaemonConfig: Sendable {
    var inputs: [InputConfig] = [InputConfig(mode: .listen, endpoints: ["tcp://127.0.0.1:5555"])]
    var alertsEndpoint = "tcp://127.0.0.1:5556"
    /// HOST:PORT of the status server, or `off`.
    var http = "127.0.0.1:9464"
    var engine: EngineConfig = {
        var engine = EngineConfig()
        engine.instance = ProcessInfo.processInfo.hostName
        return engine
    }()
    var statusInterval = 10.0
    var logLevel = Logger.Level.info
    /// Where checkpoints live; empty: `$STATE_DIRECTORY` (systemd's StateDirectory=) if set, else none.
    var stateDirectory = ""
    /// Seconds between checkpoints: a killed daemon loses at most this much learning.
    var checkpointInterval = 60.0

    /// A daemon inside a tool's process (the demo, the benchmark): one input and the alert
    /// socket on free loopback ports, no HTTP, no status lines, no state kept.
    static func inProcess(_ engine: EngineConfig) -> DaemonConfig {
        var config = DaemonConfig()
        config.inputs = [InputConfig(mode: .listen, endpoints: ["tcp://127.0.0.1:*"])]
        config.alertsEndpoint = "tcp://127.0.0.1:*"
        config.http = "off"
        config.engine = engine
        config.statusInterval = 0
        return config
    }

    /// The state directory in use: the configured one, or systemd's, or none.
    var effectiveStateDirectory: String? {
        if !stateDirectory.isEmpty { return stateDirectory }
        // systemd may list several, separated by colons; the first is ours.
        let fromSystemd = ProcessInfo.processInfo.environment["STATE_DIRECTORY"]?.split(separator: ":").first
        return fromSystemd.map(String.init)
    }

    /// The first reason this configuration cannot run, naming its key.
    var problem: ConfigError? {
        if inputs.isEmpty { return ConfigError(key: "inputs", problem: "at least one input is needed") }
        for (index, input) in inputs.enumerated() {
            if input.endpoints.isEmpty { return ConfigError(key: "inputs[\(index)]", problem: "no endpoints") }
            if input.maxMessageBytes < 1 { return ConfigError(key: "inputs[\(index)].max_message_bytes", problem: "must be >= 1") }
            if input.maxKeyLength < 1 { return ConfigError(key: "inputs[\(index)].max_key_length", problem: "must be >= 1") }
        }
        if http != "off" && HTTPAddress(http) == nil {
            return ConfigError(key: "http", problem: "expected HOST:PORT or off, got \"\(http)\"")
        }
        if !(statusInterval >= 0) { return ConfigError(key: "status_interval", problem: "must be >= 0") }
        if !(checkpointInterval >= 1) { return ConfigError(key: "checkpoint_interval", problem: "must be >= 1 second") }
        if let problem = engine.problem { return ConfigError(key: "", problem: problem) }
        return nil
    }

    // MARK: Reading

    static func load(file: String) throws(ConfigError) -> DaemonConfig {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(key: "", problem: "cannot read \(file): \(error.localizedDescription)")
        }
        return try load(yaml: text)
    }

    static func load(yaml text: String) throws(ConfigError) -> DaemonConfig {
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
        config.alertsEndpoint = try root.string("alerts_endpoint", config.alertsEndpoint)
        // YAML 1.1 reads an unquoted `off` as false.
        config.http = try (root.raw("http") as? Bool) == false ? "off" : root.string("http", config.http)
        config.statusInterval = try root.double("status_interval", config.statusInterval)
        config.logLevel = try root.choice("log_level", config.logLevel)
        config.stateDirectory = try root.string("state_dir", config.stateDirectory)
        config.checkpointInterval = try root.double("checkpoint_interval", config.checkpointInterval)
        config.engine.instance = try root.string("instance", config.engine.instance)
        config.engine.shards = try root.int("shards", config.engine.shards)
        config.engine.maxSeries = try root.int("max_series", config.engine.maxSeries)
        config.engine.queueCapacity = try root.int("queue_capacity", config.engine.queueCapacity)
        let shard = try root.string("shard", config.engine.instanceShard.description)
        guard let instanceShard = InstanceShard(shard) else {
            throw ConfigError(key: "shard", problem: "expected I/N, got \"\(shard)\"")
        }
        config.engine.instanceShard = instanceShard
        config.engine.alerts = try readAlerts(root.raw("alerts"))
        try readModel(root.raw("model"), into: &config.engine.predictor)
        config.engine.predictor.normalizer = try readNormalizer(root.raw("normalizer"))
        config.engine.predictor.scorer = try readScorer(root.raw("scorer"))
        try readTraining(root.raw("training"), into: &config.engine)
        try root.finish()
        if let problem = config.problem { throw problem }
        return config
    }

    private static func readInput(_ item: Any, path: String) throws(ConfigError) -> InputConfig {
        var r = try ConfigReader(item, path: path)
        let listen = try r.strings("listen", []), connect = try r.strings("connect", [])
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
        try r.finish()
        return input
    }

    private static func readAlerts(_ value: Any?) throws(ConfigError) -> AlertRules {
        var r = try ConfigReader(value, path: "alerts")
        var rules = AlertRules()
        rules.fireThreshold = try r.double("fire_threshold", rules.fireThreshold)
        rules.criticalThreshold = try r.double("critical_threshold", rules.criticalThreshold)
        rules.resolveThreshold = try r.double("resolve_threshold", rules.resolveThreshold)
        rules.pendingSamples = try r.int("pending_samples", rules.pendingSamples)
        rules.resolveSamples = try r.int("resolve_samples", rules.resolveSamples)
        rules.coolDown = try r.double("cool_down", rules.coolDown)
        rules.resendInterval = try r.double("resend_interval", rules.resendInterval)
        try r.finish()
        if let problem = rules.problem { throw ConfigError(key: "", problem: problem) }
        return rules
    }

    private static func readModel(_ value: Any?, into predictor: inout PredictorConfig) throws(ConfigError) {
        var r = try ConfigReader(value, path: "model")
        predictor.model.cell = try r.choice("cell", predictor.model.cell)
        predictor.model.hiddenSize = try r.int("hidden_size", predictor.model.hiddenSize)
        predictor.model.layers = try r.int("layers", predictor.model.layers)
        predictor.model.peepholes = try r.bool("peepholes", predictor.model.peepholes)
        predictor.timeFeatures = try r.bool("time_features", predictor.timeFeatures)
        predictor.seed = UInt64(truncatingIfNeeded: try r.int("seed", Int(truncatingIfNeeded: predictor.seed)))
        try r.finish()
    }

    private static func readNormalizer(_ value: Any?) throws(ConfigError) -> NormalizerConfig {
        var r = try ConfigReader(value, path: "normalizer")
        var n = NormalizerConfig()
        n.timeConstant = try r.double("time_constant", n.timeConstant)
        n.updateClip = try r.double("update_clip", n.updateClip)
        n.shiftPatience = try r.int("shift_patience", n.shiftPatience)
        n.inputClip = try r.double("input_clip", n.inputClip)
        try r.finish()
        return n
    }

    private static func readScorer(_ value: Any?) throws(ConfigError) -> ScorerConfig {
        var r = try ConfigReader(value, path: "scorer")
        var s = ScorerConfig()
        s.errorScale = try r.double("error_scale", s.errorScale)
        s.shortWindow = try r.int("short_window", s.shortWindow)
        s.learningPeriod = try r.int("learning_period", s.learningPeriod)
        s.warmUp = try r.int("warm_up", s.warmUp)
        s.distributionTimeConstant = try r.double("distribution_time_constant", s.distributionTimeConstant)
        s.meanFloor = try r.double("mean_floor", s.meanFloor)
        s.varianceFloor = try r.double("variance_floor", s.varianceFloor)
        s.spikeSensitivity = try r.double("spike_sensitivity", s.spikeSensitivity)
        s.dailySensitivity = try r.double("daily_sensitivity", s.dailySensitivity)
        s.driftSensitivity = try r.double("drift_sensitivity", s.driftSensitivity)
        s.stuckSensitivity = try r.double("stuck_sensitivity", s.stuckSensitivity)
        s.residualFloor = try r.double("residual_floor", s.residualFloor)
        s.outOfRangeMargin = try r.double("out_of_range_margin", s.outOfRangeMargin)
        s.minimumAbsoluteDeviation = try r.double("minimum_absolute_deviation", s.minimumAbsoluteDeviation)
        s.minimumRelativeDeviation = try r.double("minimum_relative_deviation", s.minimumRelativeDeviation)
        s.refractory = try r.int("refractory", s.refractory)
        try r.finish()
        return s
    }

    private static func readTraining(_ value: Any?, into engine: inout EngineConfig) throws(ConfigError) {
        var r = try ConfigReader(value, path: "training")
        engine.training = try r.bool("enabled", engine.training)
        var t = engine.predictor.training
        t.every = try r.int("every", t.every)
        t.window = try r.int("window", t.window)
        t.optimizer.learningRate = try r.double("learning_rate", t.optimizer.learningRate)
        t.gradientClip = try r.double("gradient_clip", t.gradientClip)
        t.heldOut = try r.int("held_out", t.heldOut)
        engine.predictor.training = t
        engine.trainingConcurrency = try r.int("concurrency", engine.trainingConcurrency)
        engine.trainingQueueLimit = try r.int("queue_limit", engine.trainingQueueLimit)
        engine.learnAfter = try r.int("learn_after", engine.learnAfter)
        engine.trainingPriority = try r.choice("priority", engine.trainingPriority)
        try r.finish()
    }

    enum OutOfOrder: String {
        case drop, accept
    }

    // MARK: Writing

    /// The effective configuration as YAML, every key with its value.
    var yaml: String {
        let p = engine.predictor, a = engine.alerts
        var lines: [String] = ["inputs:"]
        for input in inputs {
            lines.append("  - \(input.mode == .listen ? "listen" : "connect"): [\(input.endpoints.map(quote).joined(separator: ", "))]")
            lines.append("    subscribe: [\(input.subscriptions.map(quote).joined(separator: ", "))]")
            lines.append("    format: \(input.format.rawValue)")
            lines.append("    influx_precision: \(input.influxPrecision.rawValue)")
            lines.append("    max_message_bytes: \(input.maxMessageBytes)")
            lines.append("    max_key_length: \(input.maxKeyLength)")
            lines.append("    out_of_order: \(input.acceptOutOfOrder ? "accept" : "drop")")
        }
        lines += [
            "alerts_endpoint: \(quote(alertsEndpoint))", "http: \(quote(http))", "instance: \(quote(engine.instance))",
            "shards: \(engine.shards)", "shard: \(quote(engine.instanceShard.description))", "max_series: \(engine.maxSeries)", "queue_capacity: \(engine.queueCapacity)",
            "status_interval: \(statusInterval)", "log_level: \(logLevel.rawValue)",
            "state_dir: \(quote(stateDirectory))", "checkpoint_interval: \(checkpointInterval)",
            "alerts:", "  fire_threshold: \(a.fireThreshold)", "  critical_threshold: \(a.criticalThreshold)",
            "  resolve_threshold: \(a.resolveThreshold)", "  pending_samples: \(a.pendingSamples)",
            "  resolve_samples: \(a.resolveSamples)", "  cool_down: \(a.coolDown)", "  resend_interval: \(a.resendInterval)",
            "model:", "  cell: \(p.model.cell.rawValue)", "  hidden_size: \(p.model.hiddenSize)", "  layers: \(p.model.layers)",
            "  peepholes: \(p.model.peepholes)", "  time_features: \(p.timeFeatures)", "  seed: \(p.seed)",
            "normalizer:", "  time_constant: \(p.normalizer.timeConstant)", "  update_clip: \(p.normalizer.updateClip)",
            "  shift_patience: \(p.normalizer.shiftPatience)", "  input_clip: \(p.normalizer.inputClip)",
            "scorer:", "  error_scale: \(p.scorer.errorScale)", "  short_window: \(p.scorer.shortWindow)",
            "  learning_period: \(p.scorer.learningPeriod)", "  warm_up: \(p.scorer.warmUp)",
            "  distribution_time_constant: \(p.scorer.distributionTimeConstant)", "  mean_floor: \(p.scorer.meanFloor)",
            "  variance_floor: \(p.scorer.varianceFloor)", "  spike_sensitivity: \(p.scorer.spikeSensitivity)",
            "  daily_sensitivity: \(p.scorer.dailySensitivity)", "  drift_sensitivity: \(p.scorer.driftSensitivity)",
            "  stuck_sensitivity: \(p.scorer.stuckSensitivity)", "  residual_floor: \(p.scorer.residualFloor)",
            "  out_of_range_margin: \(p.scorer.outOfRangeMargin)",
            "  minimum_absolute_deviation: \(p.scorer.minimumAbsoluteDeviation)",
            "  minimum_relative_deviation: \(p.scorer.minimumRelativeDeviation)",
            "  refractory: \(p.scorer.refractory)",
            "training:", "  enabled: \(engine.training)", "  every: \(p.training.every)", "  window: \(p.training.window)",
            "  learning_rate: \(p.training.optimizer.learningRate)", "  gradient_clip: \(p.training.gradientClip)",
            "  held_out: \(p.training.heldOut)", "  concurrency: \(engine.trainingConcurrency)",
            "  queue_limit: \(engine.trainingQueueLimit)", "  learn_after: \(engine.learnAfter)",
            "  priority: \(engine.trainingPriority.rawValue)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private func quote(_ text: String) -> String {
        var quoted = ""
        JSONWriter.appendQuoted(text, to: &quoted)  // a JSON string is a YAML double-quoted scalar
        return quoted
    }
}

/// `HOST:PORT`.
struct HTTPAddress: Equatable {
    let host: String
    let port: UInt16

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        host = String(text[..<colon])
        self.port = port
    }
}
