import Logging
import StreamLSTM
import StreamLSTMVocabulary

/// One key of the configuration file: where it lives, whether a reload
/// (SIGHUP) applies it at once, how it is read and how it is printed. The
/// table below is the only list of keys: reading, `check-config`'s printout,
/// `check-config --keys` and the reload's verdict all come from it.
package struct ConfigKey: Sendable {
    package enum Change: String, Sendable {
        /// A reload applies it at once.
        case live
        /// It takes effect at the next start (the state directory keeps what was learned across it).
        case restart
    }

    /// The mapping it belongs to ("" for the top level).
    package let section: String
    package let name: String
    package let change: Change
    package let read: @Sendable (inout ConfigReader, inout DaemonConfig) throws(ConfigError) -> Void
    /// The value as a YAML scalar.
    package let print: @Sendable (DaemonConfig) -> String
    /// What is wrong with the value on its own ("0 is outside 1...1024"), or nil; the bounds that
    /// involve other keys are `DaemonConfig.relationProblem`'s.
    package var check: @Sendable (DaemonConfig) -> String? = { _ in nil }

    /// `section.name`, as errors and reloads name it.
    package var path: String { section.isEmpty ? name : "\(section).\(name)" }
}

extension ConfigKey {
    package typealias Path<Value> = WritableKeyPath<DaemonConfig, Value> & Sendable

    /// A key stored at `path`: `read` asks the reader for its value (the current one as the fallback).
    package static func stored<Value: Sendable>(
        _ section: String, _ name: String, _ path: Path<Value>, _ change: Change,
        read: @escaping @Sendable (inout ConfigReader, String, Value) throws(ConfigError) -> Value,
        print: @escaping @Sendable (Value) -> String,
        limit: Limit<Value>? = nil
    ) -> ConfigKey {
        var key = ConfigKey(
            section: section, name: name, change: change,
            read: { reader, config throws(ConfigError) in
                config[keyPath: path] = try read(&reader, name, config[keyPath: path])
            },
            print: { print($0[keyPath: path]) })
        if let limit { key.check = { limit.problem($0[keyPath: path]) } }
        return key
    }

    package static func number(
        _ section: String, _ name: String, _ path: Path<Double>, _ change: Change = .restart,
        _ limit: Limit<Double>? = nil
    ) -> ConfigKey {
        stored(
            section, name, path, change,
            read: { reader, name, value throws(ConfigError) in try reader.double(name, value) },
            print: { "\($0)" }, limit: limit)
    }

    package static func whole(
        _ section: String, _ name: String, _ path: Path<Int>, _ change: Change = .restart, _ limit: Limit<Int>? = nil
    ) -> ConfigKey {
        stored(
            section, name, path, change,
            read: { reader, name, value throws(ConfigError) in try reader.int(name, value) },
            print: { "\($0)" }, limit: limit)
    }

    package static func flag(_ section: String, _ name: String, _ path: Path<Bool>, _ change: Change = .restart)
        -> ConfigKey
    {
        stored(
            section, name, path, change,
            read: { reader, name, value throws(ConfigError) in try reader.bool(name, value) },
            print: { "\($0)" })
    }

    package static func text(_ section: String, _ name: String, _ path: Path<String>, _ change: Change = .restart)
        -> ConfigKey
    {
        stored(
            section, name, path, change,
            read: { reader, name, value throws(ConfigError) in try reader.string(name, value) },
            print: YAMLText.quoted)
    }

    package static func texts(_ section: String, _ name: String, _ path: Path<[String]>, _ change: Change = .restart)
        -> ConfigKey
    {
        stored(
            section, name, path, change,
            read: { reader, name, value throws(ConfigError) in try reader.strings(name, value) },
            print: { "[\($0.map(YAMLText.quoted).joined(separator: ", "))]" })
    }

    package static func choice<Value: RawRepresentable & Sendable>(
        _ section: String, _ name: String, _ path: Path<Value>,
        _ change: Change = .restart
    ) -> ConfigKey
    where Value.RawValue == String {
        stored(
            section, name, path, change,
            read: { reader, name, value throws(ConfigError) in try reader.choice(name, value) },
            print: \.rawValue)
    }
}

extension DaemonConfig {
    /// Every key but the inputs (a list of mappings of their own, `InputConfig`), in the order
    /// `check-config` prints them.
    package static let keys: [ConfigKey] = [
        .text("", "alerts_endpoint", \.alertsEndpoint),
        .flag("", "alerts_allow_plaintext", \.alertsAllowPlaintext),
        ConfigKey(
            section: "", name: "http", change: .restart,
            read: { reader, config throws(ConfigError) in
                // YAML 1.1 reads an unquoted `off` as false.
                config.http = try (reader.raw("http") as? Bool) == false ? "off" : reader.string("http", config.http)
            },
            print: { YAMLText.quoted($0.http) }),
        .text("", "instance", \.engine.instance),
        .whole("", "shards", \.engine.shards, .restart, .within(1...256)),
        ConfigKey(
            section: "", name: "shard", change: .restart,
            read: { reader, config throws(ConfigError) in
                let text = try reader.string("shard", config.engine.instanceShard.description)
                guard let shard = InstanceShard(text) else {
                    throw ConfigError(key: "shard", problem: "expected I/N, got \"\(text)\"")
                }
                config.engine.instanceShard = shard
            },
            print: { YAMLText.quoted($0.engine.instanceShard.description) }),
        .whole("", "max_series", \.engine.maxSeries, .restart, .atLeast(1)),
        .whole("", "max_memory", \.engine.maxMemory, .restart, .atLeast(0, "bytes (0: no budget)")),
        .whole("", "queue_capacity", \.engine.queueCapacity, .restart, .atLeast(1)),
        .number("", "status_interval", \.statusInterval, .restart, .atLeast(0, "seconds (0: no status lines)")),
        .choice("", "log_level", \.logLevel, .live),
        .text("", "state_dir", \.stateDirectory),
        .number("", "checkpoint_interval", \.checkpointInterval, .restart, .atLeast(1, "second")),

        .number("alerts", "fire_threshold", \.engine.alerts.fireThreshold, .live, .above(0, upTo: 1)),
        .number("alerts", "critical_threshold", \.engine.alerts.criticalThreshold, .live),
        .number("alerts", "resolve_threshold", \.engine.alerts.resolveThreshold, .live),
        .whole("alerts", "pending_samples", \.engine.alerts.pendingSamples, .live, .atLeast(1)),
        .whole("alerts", "resolve_samples", \.engine.alerts.resolveSamples, .live, .atLeast(1)),
        .whole(
            "alerts", "new_incident_after", \.engine.alerts.newIncidentAfter, .live,
            .atLeast(0, "samples (0 turns it off)")),
        .number("alerts", "cool_down", \.engine.alerts.coolDown, .live, .atLeast(0, "seconds")),
        .number("alerts", "resend_interval", \.engine.alerts.resendInterval, .live, .above(0, "seconds")),

        .choice("model", "cell", \.engine.predictor.model.cell),
        .whole("model", "hidden_size", \.engine.predictor.model.hiddenSize, .restart, .within(1...1024)),
        .whole("model", "layers", \.engine.predictor.model.layers, .restart, .within(1...8)),
        .flag("model", "peepholes", \.engine.predictor.model.peepholes),
        .flag("model", "time_features", \.engine.predictor.timeFeatures),
        ConfigKey(
            section: "model", name: "seed", change: .restart,
            read: { reader, config throws(ConfigError) in
                let seed = Int(truncatingIfNeeded: config.engine.predictor.seed)
                config.engine.predictor.seed = UInt64(truncatingIfNeeded: try reader.int("seed", seed))
            },
            print: { "\($0.engine.predictor.seed)" }),

        .number(
            "normalizer", "time_constant", \.engine.predictor.normalizer.timeConstant, .restart, .atLeast(1, "sample")),
        .number("normalizer", "update_clip", \.engine.predictor.normalizer.updateClip, .restart, .above(0)),
        .whole("normalizer", "shift_patience", \.engine.predictor.normalizer.shiftPatience, .restart, .atLeast(1)),
        .number("normalizer", "input_clip", \.engine.predictor.normalizer.inputClip, .restart, .above(0)),

        .number("scorer", "error_scale", \.engine.predictor.scorer.errorScale, .restart, .above(0)),
        .whole("scorer", "short_window", \.engine.predictor.scorer.shortWindow, .restart, .within(1...1000)),
        .whole("scorer", "learning_period", \.engine.predictor.scorer.learningPeriod, .restart, .atLeast(0)),
        .whole("scorer", "warm_up", \.engine.predictor.scorer.warmUp, .restart, .atLeast(0)),
        .number(
            "scorer", "distribution_time_constant", \.engine.predictor.scorer.distributionTimeConstant, .restart,
            .atLeast(1, "sample")),
        .number("scorer", "mean_floor", \.engine.predictor.scorer.meanFloor, .restart, .atLeast(0)),
        .number("scorer", "variance_floor", \.engine.predictor.scorer.varianceFloor, .restart, .above(0)),
        .number("scorer", "spike_sensitivity", \.engine.predictor.scorer.spikeSensitivity, .restart, .within(0...10)),
        .number("scorer", "daily_sensitivity", \.engine.predictor.scorer.dailySensitivity, .restart, .within(0...10)),
        .number("scorer", "drift_sensitivity", \.engine.predictor.scorer.driftSensitivity, .restart, .within(0...10)),
        .number("scorer", "stuck_sensitivity", \.engine.predictor.scorer.stuckSensitivity, .restart, .within(0...10)),
        .number("scorer", "residual_floor", \.engine.predictor.scorer.residualFloor, .restart, .from(0, below: 1)),
        .number("scorer", "out_of_range_margin", \.engine.predictor.scorer.outOfRangeMargin),
        .number(
            "scorer", "recent_range_margin", \.engine.predictor.scorer.recentRangeMargin, .restart,
            .atMost(1000, "(negative turns it off)")),
        .number(
            "scorer", "minimum_absolute_deviation", \.engine.predictor.scorer.minimumAbsoluteDeviation, .restart,
            .atLeast(0)),
        .number(
            "scorer", "minimum_relative_deviation", \.engine.predictor.scorer.minimumRelativeDeviation, .restart,
            .atLeast(0)),
        .whole("scorer", "refractory", \.engine.predictor.scorer.refractory, .restart, .within(0...1_000_000)),
        .whole("scorer", "incident_worth", \.engine.predictor.scorer.incidentWorth, .restart, .within(0...1_000_000)),

        .flag("training", "enabled", \.engine.training, .live),
        .whole("training", "every", \.engine.predictor.training.every, .restart, .atLeast(0, "(0 turns learning off)")),
        .whole("training", "window", \.engine.predictor.training.window, .restart, .within(1...4096)),
        .number("training", "learning_rate", \.engine.predictor.training.optimizer.learningRate, .live, .above(0)),
        .number("training", "gradient_clip", \.engine.predictor.training.gradientClip, .live, .above(0)),
        .whole("training", "held_out", \.engine.predictor.training.heldOut, .live, .atLeast(0)),
        .whole("training", "concurrency", \.engine.trainingConcurrency, .restart, .atLeast(1)),
        .whole("training", "queue_limit", \.engine.trainingQueueLimit, .restart, .atLeast(1)),
        .whole("training", "learn_after", \.engine.learnAfter, .live, .atLeast(1)),
        .choice("training", "priority", \.engine.trainingPriority),

        .texts("alertmanager", "urls", \.alertmanager.urls, .live),
        .number("alertmanager", "timeout", \.alertmanager.timeout, .live, .above(0, "seconds")),
        .number("alertmanager", "resend_interval", \.alertmanager.resendInterval, .live, .above(0, "seconds")),
        .number("alertmanager", "resolved_retention", \.alertmanager.resolvedRetention, .live, .atLeast(0, "seconds")),
        .whole("alertmanager", "queue_capacity", \.alertmanager.queueCapacity, .live, .atLeast(1)),
        .text("alertmanager", "bearer_token_file", \.alertmanager.bearerTokenFile, .live),
        .text("alertmanager", "external_url", \.alertmanager.externalURL, .live),
        .number("alertmanager", "silence_poll", \.silences.pollInterval, .live),
        .flag("alertmanager", "silences_pause_learning", \.silences.pauseLearning, .live),

        // The folder's certificates are read again at every SIGHUP; the paths change at a restart.
        .text("alerts_curve", "secret_key_file", \.alertsCurve.secretKeyFile),
        .text("alerts_curve", "allowed_keys", \.alertsCurve.allowedKeys),
    ]

    /// The sections of `keys`, in order ("" first).
    package static let sections: [String] = keys.reduce(into: []) { sections, key in
        if !sections.contains(key.section) { sections.append(key.section) }
    }
}

/// Strings as YAML scalars.
package enum YAMLText {
    /// A JSON string is a YAML double-quoted scalar.
    package static func quoted(_ text: String) -> String {
        var quoted = ""
        JSONWriter.appendQuoted(text, to: &quoted)
        return quoted
    }
}
