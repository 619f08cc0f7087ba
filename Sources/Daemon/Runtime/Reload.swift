import Logging

/// What a SIGHUP may change in a running daemon, and what it may not.
enum Reload {
    /// Keys that take effect at once: alert rules, learning on or off,
    /// `learn_after`, the optimiser's settings, the log level. Every other
    /// change waits for a restart (the state directory keeps what was learned
    /// across it).
    static func isLive(_ key: String) -> Bool {
        key.hasPrefix("alerts.") || key == "log_level"
            || ["enabled", "learn_after", "learning_rate", "gradient_clip", "held_out"].map { "training.\($0)" }.contains(key)
    }

    /// The dotted keys whose values differ between two configurations.
    static func changedKeys(from old: DaemonConfig, to new: DaemonConfig) -> [String] {
        let before = flatten(old.yaml), after = flatten(new.yaml)
        return Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
    }

    /// Applies the live part of `new`; returns the keys that changed, split into applied and waiting for a restart.
    static func apply(_ new: DaemonConfig, over old: DaemonConfig, engine: Engine, levels: LogLevelSwitch)
        -> (applied: [String], needRestart: [String]) {
        let changed = changedKeys(from: old, to: new)
        var live = LiveSettings(new.engine)
        // Jobs keep the window and interval their history was kept for; those change at a restart.
        live.training.every = old.engine.predictor.training.every
        live.training.window = old.engine.predictor.training.window
        if live.training.heldOut >= live.training.window { live.training.heldOut = old.engine.predictor.training.heldOut }
        engine.live.set(live)
        engine.learning.set(new.engine.training)
        levels.set(new.logLevel)
        return (changed.filter(isLive), changed.filter { !isLive($0) })
    }

    /// `section.key` → value, from the printed YAML (the inputs list counts as one key).
    private static func flatten(_ yaml: String) -> [String: String] {
        var keys: [String: String] = [:]
        var section = ""
        for line in yaml.split(separator: "\n") {
            let indented = line.hasPrefix(" ")
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = String(trimmed[..<colon]), value = String(trimmed[trimmed.index(after: colon)...])
            if !indented {
                section = value.isEmpty ? key : ""
                if !value.isEmpty { keys[key] = value }
            } else if section == "inputs" {
                keys["inputs", default: ""] += trimmed + ";"
            } else {
                keys["\(section).\(key)"] = value
            }
        }
        return keys
    }
}
