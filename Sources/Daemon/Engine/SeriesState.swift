import StreamLSTM

/// Everything the daemon keeps for one series. Owned by one shard thread.
final class SeriesState {
    let key: String
    let fingerprint: UInt64
    let predictor: Predictor
    var alert = AlertState.initial
    var lastTimestamp = -Double.infinity

    /// `prior`: the starting weights every new series shares until its first training result.
    init(key: String, fingerprint: UInt64, config: PredictorConfig, prior: [Float]) {
        self.key = key
        self.fingerprint = fingerprint
        predictor = Predictor(config: config, initialParameters: prior)
    }
}
