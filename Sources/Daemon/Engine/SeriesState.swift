import StreamLSTM

/// Everything the daemon keeps for one series. Owned by one shard thread.
final class SeriesState {
    let key: String
    let fingerprint: UInt64
    let predictor: Predictor
    var alert = AlertState.initial
    var lastTimestamp = -Double.infinity
    /// A training job of this series is queued or running: at most one at a time.
    var trainingInFlight = false
    /// No training before this sample count: set when an alert resolves, so
    /// that no window holding the incident is learned as normal.
    var trainingResumesAt = 0

    /// Whether a training job may be made now: none in flight, no alert
    /// pending or firing, the incident out of the window, and one is due.
    var mayTrain: Bool {
        guard !trainingInFlight, case .normal = alert else { return false }
        return predictor.sampleCount >= trainingResumesAt && predictor.trainingDue
    }

    /// `prior`: the starting weights every new series shares until its first training result.
    init(key: String, fingerprint: UInt64, config: PredictorConfig, prior: [Float]) {
        self.key = key
        self.fingerprint = fingerprint
        predictor = Predictor(config: config, initialParameters: prior)
    }
}
