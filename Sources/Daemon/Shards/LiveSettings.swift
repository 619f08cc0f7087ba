import StreamLSTM

/// The settings a reload (SIGHUP) may change while the daemon runs. Shards
/// read them once per batch, so a batch is judged by one set of rules.
struct LiveSettings: Sendable, Equatable {
    var alerts: AlertRules
    var learnAfter: Int
    /// Learning rate, Adam's constants, gradient clip and held-out steps of new jobs.
    var training: TrainingConfig

    init(_ config: EngineConfig) {
        alerts = config.alerts
        learnAfter = config.learnAfter
        training = config.predictor.training
    }
}

/// Holds the current live settings; any thread may read or replace them.
final class LiveSettingsBox: Sendable {
    private let value: Protected<LiveSettings>

    init(_ settings: LiveSettings) {
        value = Protected(settings)
    }

    var current: LiveSettings { value.withLock { $0 } }

    func set(_ settings: LiveSettings) {
        value.withLock { $0 = settings }
    }
}
