import Metrics
import Prometheus

/// Prometheus' factory with a `# HELP` line for every family: swift-metrics has no place for help
/// text, and `PrometheusMetricsFactory` registers every family with an empty one, which the
/// exposition then leaves out. Families are made through the registry with their `help`; the
/// rest (buckets, removal) is the inner factory's.
struct DescribedMetricsFactory: MetricsFactory {
    let inner: PrometheusMetricsFactory
    /// By family name; a family missing here gets its name as help rather than none.
    let help: [String: String]

    /// The family's name with its help (empty parts of a descriptor are left out of the name).
    private func named(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help[label] ?? label)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        inner.registry.makeCounter(descriptor: named(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        inner.registry.makeCounter(descriptor: named(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return inner.registry.makeGauge(descriptor: named(label), labels: dimensions) }
        return inner.registry.makeValueHistogram(
            descriptor: named(label), labels: dimensions,
            buckets: inner.valueHistogramBuckets[label] ?? inner.defaultValueHistogramBuckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        inner.registry.makeGauge(descriptor: named(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        inner.registry.makeDurationHistogram(
            descriptor: named(label), labels: dimensions,
            buckets: inner.durationHistogramBuckets[label] ?? inner.defaultDurationHistogramBuckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { inner.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        inner.destroyFloatingPointCounter(handler)
    }
    func destroyRecorder(_ handler: any RecorderHandler) { inner.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { inner.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { inner.destroyTimer(handler) }
}

extension DaemonMetrics {
    /// One line per family, as `# HELP` says it.
    static let help: [String: String] = [
        "streamlstmd_samples_total": "Samples taken by the shards.",
        "streamlstmd_samples_other_shard_total": "Samples left to the other instances (--shard I/N).",
        "streamlstmd_input_messages_total": "Messages received by the inputs.",
        "streamlstmd_input_disconnects_total": "Producer connections that ended.",
        "streamlstmd_curve_handshakes_total": "CURVE handshakes by outcome.",
        "streamlstmd_producer_messages_total": "Messages received per producer, by the user id ZAP gave it.",
        "streamlstmd_rejected_total": "Samples refused, by reason.",
        "streamlstmd_series": "Series tracked.",
        "streamlstmd_series_bytes": "Bytes the series hold in all.",
        "streamlstmd_series_expired_total": "Series forgotten after series_ttl without a sample.",
        "streamlstmd_series_absent": "Series absent now (no sample for absent.after of their intervals).",
        "streamlstmd_alerts_total":
            "Alert notices by status (firing: new incidents and escalations; resent; resolved) and severity.",
        "streamlstmd_training_jobs_total": "Training jobs by outcome.",
        "streamlstmd_training_backlog": "Training jobs waiting or running.",
        "streamlstmd_training_duration_seconds": "Time a training job took.",
        "streamlstmd_step_duration_seconds": "Time one sample's detection step took.",
        "streamlstmd_checkpoint_duration_seconds": "Time a checkpoint took to encode and write.",
        "streamlstmd_checkpoint_pause_seconds": "Time a shard paused detection for a checkpoint's snapshot.",
        "streamlstmd_checkpoint_bytes": "Size of the last checkpoint written.",
        "streamlstmd_checkpoint_timestamp_seconds": "Unix time of the last checkpoint written.",
        "streamlstmd_checkpoint_failures_total": "Checkpoints that failed to write.",
        "streamlstmd_checkpoint_incomplete_total":
            "Periodic checkpoints not written because the snapshot lacked series.",
        "streamlstmd_notifications_sent_total": "Alert batches Alertmanager took, per Alertmanager.",
        "streamlstmd_notifications_errors_total": "Alert batches Alertmanager failed or refused, per Alertmanager.",
        "streamlstmd_notifications_dropped_total": "Alerts dropped from a full queue, per Alertmanager.",
        "streamlstmd_notifications_queue_length": "Alerts waiting per Alertmanager.",
        "streamlstmd_notifications_queue_capacity": "Alerts that may wait per Alertmanager.",
        "streamlstmd_notifications_latency_seconds": "Time Alertmanager took to answer.",
        "streamlstmd_silences": "Silences by state.",
        "streamlstmd_silence_polls_total": "Polls of Alertmanager's silences, by outcome.",
    ]
}
