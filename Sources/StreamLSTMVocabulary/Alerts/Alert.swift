import StreamLSTM

/// An alert as a shard raises it: what happened to which series, and the
/// numbers behind it. The publisher numbers it and turns it into the v1 JSON.
package struct Alert: Equatable, Sendable {
    package enum Status: String, Sendable {
        case firing, resolved
    }

    package let status: Status
    package let severity: Severity
    package let series: SeriesIdentity
    /// When the incident started (the first sample over the threshold).
    package let startsAt: Double
    /// When it ended (resolved), or when it will be taken as ended unless re-sent (firing).
    package let endsAt: Double
    /// The sample that raised this notice.
    package let sampleTime: Double
    package let value: Double
    package let predicted: Double?
    package let lower: Double
    package let upper: Double
    package let score: Double
    package let threshold: Double
    package let reason: AnomalyReason
    package let modelVersion: Int
    /// The id of a silence in force for the series when the alert was raised.
    package var silence: String? = nil
    /// A resolution because a user marked the stretch normal (its `reason` is then `feedback`).
    package var resolvedByFeedback = false
    /// A firing alert sent again for an incident already announced at this severity (the re-send
    /// interval), not a new incident nor an escalation: `resend` in the payload, `RESENT` to a person,
    /// `status="resent"` in the metrics.
    package var isResend = false
    /// Labels a rule of the series adds (`rules[].labels`), over the series' own of the same name.
    package var extraLabels: [String: String] = [:]

    package init(
        status: Status, severity: Severity, series: SeriesIdentity, startsAt: Double, endsAt: Double,
        sampleTime: Double, value: Double, predicted: Double?, lower: Double, upper: Double, score: Double,
        threshold: Double, reason: AnomalyReason, modelVersion: Int, silence: String? = nil,
        resolvedByFeedback: Bool = false, isResend: Bool = false
    ) {
        self.status = status
        self.severity = severity
        self.series = series
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.sampleTime = sampleTime
        self.value = value
        self.predicted = predicted
        self.lower = lower
        self.upper = upper
        self.score = score
        self.threshold = threshold
        self.reason = reason
        self.modelVersion = modelVersion
        self.silence = silence
        self.resolvedByFeedback = resolvedByFeedback
        self.isResend = isResend
    }

    /// What a person and the metrics call it: `firing`, `resent` or `resolved`.
    package var kind: String { isResend ? "resent" : status.rawValue }

    package var seriesKey: String { series.key }
    package var fingerprint: UInt64 { series.fingerprint }

    package var topic: String { "alert.\(status.rawValue).\(severity.rawValue)" }

    /// The `streamlstm.alert/v1` payload: `schema`, a per-publisher `seq`,
    /// `status`, `labels` (alertname, series, metric, severity, instance and
    /// the series' own labels), `annotations` (summary, description),
    /// `startsAt`/`endsAt` and `fingerprint` as Alertmanager has them, `silenced`
    /// (and `silence_id`: a silence was in force for the series), and
    /// `anomaly` (time, value, forecast, band, score, threshold, direction, reason, model
    /// version). Identity is in `labels`, so Alertmanager can deduplicate; the
    /// series' own labels are renamed `label_<name>` where they clash with ours.
    package func json(sequence: Int, instance: String) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.string("schema", "streamlstm.alert/v1")
        w.integer("seq", sequence)
        w.string("status", status.rawValue)
        w.beginObject("labels")
        for (name, value) in series.alertLabels(severity: severity, instance: instance, extra: extraLabels) {
            w.string(name, value)
        }
        w.endObject()
        w.beginObject("annotations")
        w.string("summary", summary)
        w.string("description", resolvedByFeedback ? "marked normal by a user" : description)
        w.endObject()
        w.string("startsAt", rfc3339(startsAt))
        w.string("endsAt", rfc3339(endsAt))
        w.string("fingerprint", String(fingerprint, radix: 16))
        // Alertmanager mutes a silenced alert itself; ZeroMQ subscribers are told here.
        w.bool("silenced", silence != nil)
        if let silence { w.string("silence_id", silence) }
        // A re-send of an incident already announced: subscribers that page on firing skip it.
        w.bool("resend", isResend)
        w.beginObject("anomaly")
        w.string("ts", rfc3339(sampleTime))
        w.number("value", value)
        w.number("predicted", predicted)
        w.number("lower", lower)
        w.number("upper", upper)
        w.number("score", score)
        w.number("threshold", threshold)
        w.string("direction", predicted.map { value >= $0 ? "above" : "below" } ?? "above")
        w.string("reason", resolvedByFeedback ? "feedback" : reason.name)
        w.bool("warming_up", reason == .warmingUp)
        w.integer("model_version", modelVersion)
        w.endObject()
        w.endObject()
        return w.text
    }

    package var summary: String {
        switch status {
        case .firing: "Anomaly in \(seriesKey)"
        case .resolved:
            resolvedByFeedback ? "Anomaly in \(seriesKey) resolved by feedback" : "Anomaly in \(seriesKey) resolved"
        }
    }

    /// "93.1 vs expected 41.2 [35.0, 47.4]".
    package var description: String {
        func short(_ x: Double) -> String {
            let rounded = (x * 1000).rounded() / 1000
            return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : "\(rounded)"
        }
        guard let predicted else { return "\(short(value)) (no prediction yet)" }
        return "\(short(value)) vs expected \(short(predicted)) [\(short(lower)), \(short(upper))]"
    }
}

extension SeriesIdentity {
    /// The label names of the daemon's own; a series label of one of these names is renamed `label_<name>`.
    package static let reservedLabelNames: Set<String> = ["alertname", "series", "metric", "severity", "instance"]

    /// The labels of this series' alerts, in the order the v1 payload has them: alertname, series,
    /// metric, the series' own labels (renamed `label_<name>` where they clash with ours), severity
    /// and instance. `extra`: a rule's labels, in name order after the series' own, replacing those
    /// of the same name. (Silences are matched against the labels Alertmanager gets,
    /// `AlertmanagerAlert.labels`, whose names are made valid label names.)
    package func alertLabels(severity: Severity?, instance: String, extra: [String: String] = [:]) -> [(
        name: String, value: String
    )] {
        var labels: [(name: String, value: String)] = [
            ("alertname", "MetricAnomaly"), ("series", key), ("metric", metric),
        ]
        for (name, value) in self.labels where extra[name] == nil {
            labels.append((Self.reservedLabelNames.contains(name) ? "label_\(name)" : name, value))
        }
        for name in extra.keys.sorted() { labels.append((name, extra[name]!)) }
        if let severity { labels.append(("severity", severity.rawValue)) }
        labels.append(("instance", instance))
        return labels
    }
}
