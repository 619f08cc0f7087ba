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

    package init(_ config: EngineConfig) {
        alerts = config.alerts
        absence = config.absence
        learnAfter = config.learnAfter
        training = config.predictor.training
    }
}

/// Holds the current live settings; any thread may read or replace them.
package final class LiveSettingsBox: Sendable {
    private let value: Protected<LiveSettings>

    package init(_ settings: LiveSettings) {
        value = Protected(settings)
    }

    package var current: LiveSettings { value.withLock { $0 } }

    package func set(_ settings: LiveSettings) {
        value.withLock { $0 = settings }
    }
}
