import Metrics
import StreamLSTMVocabulary

import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory

/// The daemon's metrics, made from an injected factory (Prometheus in the
/// daemon, a test kit in tests) rather than from a global bootstrap.
package final class DaemonMetrics: Sendable {
    package let samples: Counter
    /// Samples of series that belong to other instances (`--shard i/N`).
    package let skipped: Counter
    package let inputMessages: Counter
    /// Producers' connections that ended: a message over `max_message_bytes` (libzmq drops the
    /// connection that sent it), or a producer that went away.
    package let inputDisconnects: Counter
    /// Handshakes that failed before ZAP was asked: plain text at a CURVE socket, garbage (ZAP counts the rest).
    package let handshakeProtocolErrors: Counter
    /// One counter per `RejectReason`, indexed by its raw value.
    package let rejected: [Counter]
    package let series: Gauge
    /// Bytes the series hold (what `max_memory` budgets).
    package let seriesBytes: Gauge
    /// Series forgotten after `series_ttl` without a sample.
    package let seriesExpired: Counter
    /// Series absent now, over every shard.
    package let seriesAbsent: Gauge
    /// Keyed by `Alert.topic` minus the `alert.` prefix: `firing.critical`, ...
    package let alerts: [String: Counter]
    /// Training jobs by outcome, indexed by `TrainingOutcome.rawValue`.
    package let trainingJobs: [Counter]
    /// Jobs waiting or running.
    package let trainingBacklog: Gauge
    package let trainingDuration: Timer
    /// Time of one predictor step (normaliser, network, scorer), sampled.
    package let stepDuration: Timer
    /// Writing a checkpoint, start to rename; and the longest a shard paused detection to snapshot its series.
    package let checkpointDuration: Timer
    package let checkpointPause: Timer
    package let checkpointBytes: Gauge
    /// Unix time of the last checkpoint written: its age is now minus this.
    package let checkpointTime: Gauge
    package let checkpointFailures: Counter
    /// Periodic checkpoints not written because their snapshot lacked series (a shard stopping).
    package let checkpointsIncomplete: Counter

    /// Where metrics made later (one set per Alertmanager) come from.
    package let factory: any MetricsFactory

    package init(factory: MetricsFactory) {
        self.factory = factory
        samples = Counter(label: "streamlstmd_samples_total", factory: factory)
        skipped = Counter(label: "streamlstmd_samples_other_shard_total", factory: factory)
        inputMessages = Counter(label: "streamlstmd_input_messages_total", factory: factory)
        inputDisconnects = Counter(label: "streamlstmd_input_disconnects_total", factory: factory)
        handshakeProtocolErrors = Counter(
            label: "streamlstmd_curve_handshakes_total", dimensions: [("outcome", "protocol_error")], factory: factory)
        rejected = RejectReason.allCases.map {
            Counter(label: "streamlstmd_rejected_total", dimensions: [("reason", $0.name)], factory: factory)
        }
        series = Gauge(label: "streamlstmd_series", factory: factory)
        seriesBytes = Gauge(label: "streamlstmd_series_bytes", factory: factory)
        seriesExpired = Counter(label: "streamlstmd_series_expired_total", factory: factory)
        seriesAbsent = Gauge(label: "streamlstmd_series_absent", factory: factory)
        var alerts: [String: Counter] = [:]
        // `status`: firing (a new incident or an escalation), resent, resolved (`Alert.kind`).
        for status in ["firing", "resent", "resolved"] {
            for severity in Severity.allCases {
                alerts["\(status).\(severity.rawValue)"] = Counter(
                    label: "streamlstmd_alerts_total",
                    dimensions: [("status", status), ("severity", severity.rawValue)], factory: factory)
            }
        }
        self.alerts = alerts
        trainingJobs = TrainingOutcome.allCases.map {
            Counter(label: "streamlstmd_training_jobs_total", dimensions: [("outcome", $0.name)], factory: factory)
        }
        trainingBacklog = Gauge(label: "streamlstmd_training_backlog", factory: factory)
        trainingDuration = Timer(label: "streamlstmd_training_duration_seconds", factory: factory)
        stepDuration = Timer(label: "streamlstmd_step_duration_seconds", factory: factory)
        checkpointDuration = Timer(label: "streamlstmd_checkpoint_duration_seconds", factory: factory)
        checkpointPause = Timer(label: "streamlstmd_checkpoint_pause_seconds", factory: factory)
        checkpointBytes = Gauge(label: "streamlstmd_checkpoint_bytes", factory: factory)
        checkpointTime = Gauge(label: "streamlstmd_checkpoint_timestamp_seconds", factory: factory)
        checkpointFailures = Counter(label: "streamlstmd_checkpoint_failures_total", factory: factory)
        checkpointsIncomplete = Counter(label: "streamlstmd_checkpoint_incomplete_total", factory: factory)
    }

    /// The daemon's metrics in a Prometheus registry (what `/metrics` serves).
    package convenience init(registry: PrometheusCollectorRegistry) {
        var factory = PrometheusMetricsFactory(registry: registry)
        // A step takes microseconds: the default buckets (5 ms and up) would put every one in the first.
        factory.durationHistogramBuckets["streamlstmd_step_duration_seconds"] =
            [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000].map { Duration.microseconds($0) }
        self.init(factory: DescribedMetricsFactory(inner: factory, help: Self.help))
    }

    /// Messages from one producer, by the user id ZAP gave it.
    package func producerMessages(_ producer: String) -> Counter {
        Counter(label: "streamlstmd_producer_messages_total", dimensions: [("producer", producer)], factory: factory)
    }

    package func count(_ alert: Alert) {
        alerts["\(alert.kind).\(alert.severity.rawValue)"]?.increment()
    }
}
