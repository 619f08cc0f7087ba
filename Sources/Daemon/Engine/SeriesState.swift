import StreamLSTM

/// Everything the daemon keeps for one series. Owned by one shard thread.
final class SeriesState {
    let key: String
    let fingerprint: UInt64
    let predictor: Predictor
    var alert = AlertState.initial
    var lastTimestamp = -Double.infinity
    var lastScore = 0.0
    /// A training job of this series is queued or running: at most one at a time.
    var trainingInFlight = false
    /// No training before this sample count: set when an alert resolves, so
    /// that no window holding the incident is learned as normal.
    var trainingResumesAt = 0

    /// Samples since the current alert started firing (0 when none is).
    var firingSamples = 0

    /// Whether a training job may be made now: none in flight, one due, and
    /// either no alert (and the last incident out of the window) or an alert
    /// that has lasted `learnAfter` samples: a change that persists.
    func mayTrain(learnAfter: Int) -> Bool {
        guard !trainingInFlight, predictor.trainingDue else { return false }
        switch alert {
        case .normal: return predictor.sampleCount >= trainingResumesAt
        case .pending: return false
        case .firing: return firingSamples >= learnAfter
        }
    }

    /// `prior`: the starting weights every new series shares until its first training result.
    init(key: String, fingerprint: UInt64, config: PredictorConfig, prior: [Float]) {
        self.key = key
        self.fingerprint = fingerprint
        predictor = Predictor(config: config, initialParameters: prior)
    }

    /// A series as a checkpoint kept it; no training job is in flight after a restart.
    init(restoring snapshot: SeriesSnapshot) {
        key = snapshot.key
        fingerprint = snapshot.fingerprint
        predictor = snapshot.predictor
        alert = snapshot.alert
        lastTimestamp = snapshot.lastTimestamp
        lastScore = snapshot.lastScore
        firingSamples = snapshot.firingSamples
        trainingResumesAt = snapshot.trainingResumesAt
    }

    var summary: SeriesSummary {
        let alertName: String
        switch alert {
        case .normal: alertName = "normal"
        case .pending: alertName = "pending"
        case .firing: alertName = "firing"
        }
        return SeriesSummary(key: key, samples: predictor.sampleCount, lastTimestamp: lastTimestamp,
                             modelVersion: predictor.modelVersion, alert: alertName,
                             residualRMS: predictor.residualMeanSquare.squareRoot(), score: lastScore,
                             forecast: predictor.forecast,
                             trainingInFlight: trainingInFlight)
    }
}

extension SeriesSummary {
    /// `[{"series":...,"samples":...,"model_version":...,...}, ...]`.
    static func json(_ summaries: [SeriesSummary]) -> String {
        var text = "["
        for (index, summary) in summaries.enumerated() {
            if index > 0 { text += ",\n" }
            var w = JSONWriter()
            w.beginObject()
            w.string("series", summary.key)
            w.integer("samples", summary.samples)
            w.string("last_sample", summary.lastTimestamp.isFinite ? rfc3339(summary.lastTimestamp) : "")
            w.integer("model_version", summary.modelVersion)
            w.string("alert", summary.alert)
            w.number("residual_rms", summary.residualRMS)
            w.number("score", summary.score)
            w.number("forecast", summary.forecast)
            w.bool("training", summary.trainingInFlight)
            w.endObject()
            text += w.text
        }
        return text + "]\n"
    }
}
