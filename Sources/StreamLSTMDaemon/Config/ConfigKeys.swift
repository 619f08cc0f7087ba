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
    /// One line on what the key does, for `check-config --keys`.
    package var summary = ""
    /// A list of mappings (`rules`): the keys of each item and what they do, for `check-config --keys`
    /// (as `rules[].match`).
    package var itemKeys: [(name: String, summary: String)] = []

    /// `section.name`, as errors and reloads name it.
    package var path: String { section.isEmpty ? name : "\(section).\(name)" }

    /// The key with its line for `check-config --keys`.
    package func described(_ summary: String) -> ConfigKey {
        var key = self
        key.summary = summary
        return key
    }
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

    package static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
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
        .text("", "alerts_endpoint", \.alertsEndpoint)
            .described("PUB socket the alerts leave on"),
        .flag("", "alerts_allow_plaintext", \.alertsAllowPlaintext)
            .described("allow plain-text alerts on an address other than loopback"),
        ConfigKey(
            section: "", name: "http", change: .restart,
            read: { reader, config throws(ConfigError) in
                // YAML 1.1 reads an unquoted `off` as false.
                config.http = try (reader.raw("http") as? Bool) == false ? "off" : reader.string("http", config.http)
            },
            print: { YAMLText.quoted($0.http) }
        )
        .described("HOST:PORT of /metrics, /healthz, /readyz, /series, /feedback, /silences; off: none"),
        .text("", "instance", \.engine.instance)
            .described("names this daemon in alert labels (default: the host name)"),
        .whole("", "shards", \.engine.shards, .restart, .within(1...256))
            .described("shard threads (default: one per core)"),
        ConfigKey(
            section: "", name: "shard", change: .restart,
            read: { reader, config throws(ConfigError) in
                let text = try reader.string("shard", config.engine.instanceShard.description)
                guard let shard = InstanceShard(text) else {
                    throw ConfigError(key: "shard", problem: "expected I/N, got \"\(text)\"")
                }
                config.engine.instanceShard = shard
            },
            print: { YAMLText.quoted($0.engine.instanceShard.description) }
        )
        .described("keep shard I of N instances on the same streams (I/N, by series fingerprint)"),
        .whole("", "max_series", \.engine.maxSeries, .restart, .atLeast(1))
            .described("new series past this many are rejected"),
        .whole("", "max_memory", \.engine.maxMemory, .restart, .atLeast(0, "bytes (0: no budget)"))
            .described("bytes the series may hold in all (0: no budget); new series past it are rejected"),
        .whole("", "queue_capacity", \.engine.queueCapacity, .restart, .atLeast(1))
            .described("message batches waiting per shard before producers are held back"),
        .number("", "status_interval", \.statusInterval, .restart, .atLeast(0, "seconds (0: no status lines)"))
            .described("seconds between looks: a status line when a count changed, else every 5 min; 0: none"),
        .choice("", "log_level", \.logLevel, .live)
            .described("trace, debug, info, notice, warning, error or critical"),
        .text("", "state_dir", \.stateDirectory)
            .described("checkpoints of every series; empty: $STATE_DIRECTORY if set, else none"),
        .number("", "checkpoint_interval", \.checkpointInterval, .restart, .atLeast(1, "second"))
            .described("seconds between checkpoints: a killed daemon loses at most this much"),
        .number("", "series_ttl", \.engine.absence.seriesTTL, .live, .atLeast(0, "seconds (0: never)"))
            .described(
                "seconds without a sample after which a series is forgotten (memory, checkpoint, cap); 0: never"),
        {
            var key = ConfigKey(
                section: "", name: "rules", change: .live,
                read: { reader, config throws(ConfigError) in
                    config.engine.rules = try SeriesRules.read(reader.raw("rules"))
                },
                print: { $0.engine.rules.yaml }
            )
            .described("how each group of series alerts: a list of rules, the first that matches a series is its own")
            key.itemKeys = SeriesRule.keys.map { ($0.name, $0.summary) }
            return key
        }(),

        .number("alerts", "fire_threshold", \.engine.alerts.fireThreshold, .live, .above(0, upTo: 1))
            .described("score that starts an alert"),
        .number("alerts", "critical_threshold", \.engine.alerts.criticalThreshold, .live)
            .described("score that makes it critical rather than a warning"),
        .number("alerts", "resolve_threshold", \.engine.alerts.resolveThreshold, .live)
            .described("while firing, scores below this count towards resolving"),
        .whole("alerts", "pending_samples", \.engine.alerts.pendingSamples, .live, .atLeast(1))
            .described("samples in a row at the fire threshold before firing"),
        .whole("alerts", "resolve_samples", \.engine.alerts.resolveSamples, .live, .atLeast(1))
            .described("calm samples in a row before resolving"),
        .whole(
            "alerts", "new_incident_after", \.engine.alerts.newIncidentAfter, .live,
            .atLeast(0, "samples (0 turns it off)")
        )
        .described("inside an open alert, a fire-level score after this many calm samples is new"),
        .number("alerts", "cool_down", \.engine.alerts.coolDown, .live, .atLeast(0, "seconds"))
            .described("seconds after a resolution before the series may fire again"),
        .number("alerts", "resend_interval", \.engine.alerts.resendInterval, .live, .above(0, "seconds"))
            .described("seconds between re-sends of a firing alert"),

        .flag("absent", "enabled", \.engine.absence.enabled, .live)
            .described("a series that stops reporting raises an absent alert"),
        .number("absent", "after", \.engine.absence.after, .live, .atLeast(1, "intervals"))
            .described("absent after this many of its typical intervals without a sample"),
        .number("absent", "min_seconds", \.engine.absence.minimumSeconds, .live, .atLeast(0, "seconds"))
            .described("and never before this many seconds"),
        .number("absent", "storm_fraction", \.engine.absence.stormFraction, .live, .above(0, upTo: 1))
            .described("this share of one producer's series quiet at once: one alert for the producer"),
        .whole("absent", "storm_min_series", \.engine.absence.stormMinimumSeries, .live, .atLeast(1))
            .described("and at least this many of them"),

        .choice("model", "cell", \.engine.predictor.model.cell)
            .described("lstm, gru or rnn"),
        .whole("model", "hidden_size", \.engine.predictor.model.hiddenSize, .restart, .within(1...1024))
            .described("units per layer (H)"),
        .whole("model", "layers", \.engine.predictor.model.layers, .restart, .within(1...8))
            .described("recurrent layers"),
        .flag("model", "peepholes", \.engine.predictor.model.peepholes)
            .described("peephole connections (LSTM only)"),
        .flag("model", "time_features", \.engine.predictor.timeFeatures)
            .described("feed time of day and day of week beside the value"),
        ConfigKey(
            section: "model", name: "seed", change: .restart,
            read: { reader, config throws(ConfigError) in
                let seed = Int(truncatingIfNeeded: config.engine.predictor.seed)
                config.engine.predictor.seed = UInt64(truncatingIfNeeded: try reader.int("seed", seed))
            },
            print: { "\($0.engine.predictor.seed)" }
        )
        .described("weight initialisation: the same seed gives the same model"),

        .number(
            "normalizer", "time_constant", \.engine.predictor.normalizer.timeConstant, .restart, .atLeast(1, "sample")
        )
        .described("samples of memory of the level and spread"),
        .number("normalizer", "update_clip", \.engine.predictor.normalizer.updateClip, .restart, .above(0))
            .described("an outlier moves them as if it lay at most this many deviations away"),
        .whole("normalizer", "shift_patience", \.engine.predictor.normalizer.shiftPatience, .restart, .atLeast(1))
            .described("samples in a row beyond the clip that make a level shift"),
        .number("normalizer", "input_clip", \.engine.predictor.normalizer.inputClip, .restart, .above(0))
            .described("normalised values given to the model are clipped to ± this"),

        .number("scorer", "error_scale", \.engine.predictor.scorer.errorScale, .restart, .above(0))
            .described("likelihood: an error of e scales scores 1 - exp(-e / error_scale)"),
        .whole("scorer", "short_window", \.engine.predictor.scorer.shortWindow, .restart, .within(1...1000))
            .described("likelihood: raw scores averaged"),
        .whole("scorer", "learning_period", \.engine.predictor.scorer.learningPeriod, .restart, .atLeast(0))
            .described("likelihood: samples before it speaks"),
        .whole("scorer", "warm_up", \.engine.predictor.scorer.warmUp, .restart, .atLeast(0))
            .described("samples before any score"),
        .number(
            "scorer", "distribution_time_constant", \.engine.predictor.scorer.distributionTimeConstant, .restart,
            .atLeast(1, "sample")
        )
        .described("memory of the error distributions, in samples"),
        .number("scorer", "mean_floor", \.engine.predictor.scorer.meanFloor, .restart, .atLeast(0))
            .described("likelihood: floor of its fitted mean"),
        .number("scorer", "variance_floor", \.engine.predictor.scorer.varianceFloor, .restart, .above(0))
            .described("likelihood: floor of its fitted variance"),
        .number("scorer", "spike_sensitivity", \.engine.predictor.scorer.spikeSensitivity, .restart, .within(0...10))
            .described("weight of the single-error test's surprise; 0: off"),
        .number("scorer", "daily_sensitivity", \.engine.predictor.scorer.dailySensitivity, .restart, .within(0...10))
            .described("weight of the time-of-day test's surprise; 0: off"),
        .number("scorer", "drift_sensitivity", \.engine.predictor.scorer.driftSensitivity, .restart, .within(0...10))
            .described("weight of the level-drift test's surprise; 0: off"),
        .number("scorer", "stuck_sensitivity", \.engine.predictor.scorer.stuckSensitivity, .restart, .within(0...10))
            .described("weight of the stuck-value test's surprise; 0: off"),
        .number("scorer", "residual_floor", \.engine.predictor.scorer.residualFloor, .restart, .from(0, below: 1))
            .described("errors are measured on a scale of at least this fraction of the range seen"),
        .number("scorer", "out_of_range_margin", \.engine.predictor.scorer.outOfRangeMargin)
            .described("beyond the range seen by this fraction of it is out of range; negative: off"),
        .number(
            "scorer", "recent_range_margin", \.engine.predictor.scorer.recentRangeMargin, .restart,
            .atMost(1000, "(negative turns it off)")
        )
        .described("beyond the past week's ordinary range by this many widths; negative: off"),
        .number(
            "scorer", "minimum_absolute_deviation", \.engine.predictor.scorer.minimumAbsoluteDeviation, .restart,
            .atLeast(0)
        )
        .described("smaller deviations from the prediction never score"),
        .number(
            "scorer", "minimum_relative_deviation", \.engine.predictor.scorer.minimumRelativeDeviation, .restart,
            .atLeast(0)
        )
        .described("nor deviations below this fraction of the prediction"),
        .whole("scorer", "refractory", \.engine.predictor.scorer.refractory, .restart, .within(0...1_000_000))
            .described("samples after a fire-level score during which later scores are held down (a day at most)"),
        .whole("scorer", "incident_worth", \.engine.predictor.scorer.incidentWorth, .restart, .within(0...1_000_000))
            .described("the fits learn this many samples of an incident, no more"),

        .flag("training", "enabled", \.engine.training, .live)
            .described("online learning on background queues"),
        .whole("training", "every", \.engine.predictor.training.every, .restart, .atLeast(0, "(0 turns learning off)"))
            .described("train every K samples; 0: never"),
        .whole("training", "window", \.engine.predictor.training.window, .restart, .within(1...4096))
            .described("over the last W samples (a multiple of every)"),
        .number("training", "learning_rate", \.engine.predictor.training.optimizer.learningRate, .live, .above(0))
            .described("Adam's step size"),
        .number("training", "gradient_clip", \.engine.predictor.training.gradientClip, .live, .above(0))
            .described("gradient norm clip"),
        .whole("training", "held_out", \.engine.predictor.training.heldOut, .live, .atLeast(0))
            .described("newest steps of each window kept out of training to judge the result"),
        .whole("training", "concurrency", \.engine.trainingConcurrency, .restart, .atLeast(1))
            .described("jobs at once (default: half the cores)"),
        .whole("training", "queue_limit", \.engine.trainingQueueLimit, .restart, .atLeast(1))
            .described("jobs waiting or running at most; past it, jobs are skipped"),
        .whole("training", "learn_after", \.engine.learnAfter, .live, .atLeast(1))
            .described("an incident longer than this many samples is learned as the new normal"),
        .choice("training", "priority", \.engine.trainingPriority)
            .described("CPU share of training jobs: low, idle or normal"),

        .texts("alertmanager", "urls", \.alertmanager.urls, .live)
            .described("every Alertmanager of an HA cluster: each gets every alert"),
        .number("alertmanager", "timeout", \.alertmanager.timeout, .live, .above(0, "seconds"))
            .described("seconds per request"),
        .number("alertmanager", "resend_interval", \.alertmanager.resendInterval, .live, .above(0, "seconds"))
            .described("seconds between sends of a firing alert"),
        .number("alertmanager", "resolved_retention", \.alertmanager.resolvedRetention, .live, .atLeast(0, "seconds"))
            .described("seconds a resolved alert is sent again for"),
        .whole("alertmanager", "queue_capacity", \.alertmanager.queueCapacity, .live, .atLeast(1))
            .described("alerts waiting per Alertmanager; past it, the oldest are dropped"),
        .text("alertmanager", "bearer_token_file", \.alertmanager.bearerTokenFile, .live)
            .described("bearer token for the Authorization header, read at start and on reload"),
        .text("alertmanager", "external_url", \.alertmanager.externalURL, .live)
            .described("base of each alert's generatorURL; empty: http://<the http address>"),
        .number("alertmanager", "silence_poll", \.silences.pollInterval, .live)
            .described("seconds between reads of each Alertmanager's silences"),
        .flag("alertmanager", "silences_pause_learning", \.silences.pauseLearning, .live)
            .described("series a silence matches do not learn while it lasts"),

        // The folder's certificates are read again at every SIGHUP; the paths change at a restart.
        .text("alerts_curve", "secret_key_file", \.alertsCurve.secretKeyFile)
            .described("the alert socket's CURVE secret certificate (with allowed_keys)"),
        .text("alerts_curve", "allowed_keys", \.alertsCurve.allowedKeys)
            .described("folder of the subscribers' public certificates allowed to connect"),
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
