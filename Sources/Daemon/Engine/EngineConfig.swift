import Foundation
import StreamLSTM

/// Settings of the detection engine: shards, series, model, alerts.
struct EngineConfig: Sendable {
    /// Shard threads; every series belongs to exactly one.
    var shards: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// New series past this many are rejected (`series_limit`).
    var maxSeries: Int = 100_000
    var predictor = PredictorConfig()
    var alerts = AlertRules()
    /// Whether models learn online. (Inline on the shard for now.)
    var training = true
    /// Names this daemon in alert labels.
    var instance: String = "streamlstmd"
    /// Sample batches that may wait for a shard before producers are held back.
    var queueCapacity: Int = 1024

    var problem: String? {
        if shards < 1 || shards > 256 { return "shards must lie in 1...256" }
        if maxSeries < 1 { return "max_series must be at least 1" }
        if queueCapacity < 1 { return "queue_capacity must be at least 1" }
        return predictor.problem ?? alerts.problem
    }
}
