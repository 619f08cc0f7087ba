import Logging
import StreamLSTMVocabulary

/// What a SIGHUP may change in a running daemon, and what it may not.
package enum Reload {
    /// Whether a reload applies the key at once (`ConfigKey.change`); the inputs wait for a restart.
    package static func isLive(_ key: String) -> Bool {
        DaemonConfig.keys.first { $0.path == key }?.change == .live
    }

    /// The dotted keys whose values differ between two configurations, sorted (the inputs count as one key).
    package static func changedKeys(from old: DaemonConfig, to new: DaemonConfig) -> [String] {
        let inputs = old.inputs.flatMap(\.yamlLines) == new.inputs.flatMap(\.yamlLines) ? [] : ["inputs"]
        return (inputs + DaemonConfig.keys.filter { $0.print(old) != $0.print(new) }.map(\.path)).sorted()
    }

    /// Applies the live part of `new`; returns the keys that changed, split into applied and waiting for a restart.
    /// Every CURVE allow-list folder is read again. Throws, having changed nothing, when the
    /// Alertmanager's token file or an allow-list cannot be read.
    package static func apply(
        _ new: DaemonConfig, over old: DaemonConfig, engine: Engine, levels: LogLevelSwitch,
        alertmanager: AlertmanagerService? = nil, silences: SilencePoller? = nil, security: CurveSecurity? = nil
    ) throws(ConfigError) -> (applied: [String], needRestart: [String]) {
        let changed = changedKeys(from: old, to: new)
        // Everything that can fail is read first; nothing below can fail, so a refused reload
        // changes nothing and an accepted one changes every part.
        let token = try new.alertmanager.bearerToken()
        let allowLists: [String: AllowList]?
        do {
            allowLists = try security?.readAllowLists()
        } catch {
            throw ConfigError(key: "allowed_keys", problem: "\(error)")
        }
        if let allowLists { security?.install(allowLists) }
        alertmanager?.apply(new.alertmanager, bearerToken: token)
        silences?.apply(alertmanager: new.alertmanager, silences: new.silences, bearerToken: token)
        var live = LiveSettings(new.engine)
        // Jobs keep the window and interval their history was kept for; those change at a restart.
        live.training.every = old.engine.predictor.training.every
        live.training.window = old.engine.predictor.training.window
        if live.training.heldOut >= live.training.window {
            live.training.heldOut = old.engine.predictor.training.heldOut
        }
        engine.live.set(live)
        engine.learning.set(new.engine.training)
        levels.set(new.logLevel)
        return (changed.filter(isLive), changed.filter { !isLive($0) })
    }
}
