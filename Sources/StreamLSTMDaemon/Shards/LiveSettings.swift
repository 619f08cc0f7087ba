import StreamLSTM
import StreamLSTMVocabulary

/// The settings a reload (SIGHUP) may change while the daemon runs. Shards
/// read them once per batch, so a batch is judged by one set of rules.
package struct LiveSettings: Sendable, Equatable {
    package var alerts: AlertRules
    package var learnAfter: Int
    /// Learning rate, Adam's constants, gradient clip and held-out steps of new jobs.
    package var training: TrainingConfig
    package var absence: AbsenceSettings
    package var rules: SeriesRules
    /// Changes whenever `rules` do (`LiveSettingsBox.set`): a series matches the rules again only then.
    package fileprivate(set) var rulesGeneration: UInt64 = 0

    package init(_ config: EngineConfig) {
        alerts = config.alerts
        absence = config.absence
        learnAfter = config.learnAfter
        training = config.predictor.training
        rules = config.rules
    }
}

/// Holds the current live settings; any thread may read or replace them.
package final class LiveSettingsBox: Sendable {
    private let value: Protected<LiveSettings>

    package init(_ settings: LiveSettings) {
        value = Protected(settings)
    }

    package var current: LiveSettings { value.withLock { $0 } }

    /// Replaces them; rules that differ from the current ones get a new generation.
    package func set(_ settings: LiveSettings) {
        value.withLock { current in
            var new = settings
            new.rulesGeneration =
                new.rules == current.rules ? current.rulesGeneration : current.rulesGeneration &+ 1
            current = new
        }
    }
}
