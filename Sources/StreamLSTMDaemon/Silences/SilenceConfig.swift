import StreamLSTMVocabulary

/// The silence keys of the `alertmanager` section: how often each Alertmanager's silences are
/// polled, and whether silences pause learning. Both apply at SIGHUP.
package struct SilenceConfig: Sendable, Equatable {
    /// `alertmanager.silence_poll`: seconds between two polls of `GET /api/v2/silences`.
    package var pollInterval = 30.0
    /// `alertmanager.silences_pause_learning`: false, silences are still listed and matched, but
    /// no series stops learning for one.
    package var pauseLearning = true

    package var problem: ConfigError? {
        if !(pollInterval > 0 && pollInterval.isFinite) {
            return ConfigError(key: "alertmanager.silence_poll", problem: "\(pollInterval) must be > 0 seconds")
        }
        return nil
    }
}
