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
    /// Set on an alert about silence rather than a value: a series that stopped reporting
    /// (`MetricAbsent`) or most series of one producer at once (`ProducerAbsent`).
    package var absence: Absence? = nil

    /// What an absent alert says beside the usual fields.
    package struct Absence: Equatable, Sendable {
        /// When the series (for a producer, the latest of its quiet series) was last heard from.
        package var lastSeen: Double
        /// For a producer's alert: the producer (or input) and how many of its series are quiet.
        package var producer: String? = nil
        package var quietSeries = 0

        package init(lastSeen: Double, producer: String? = nil, quietSeries: Int = 0) {
            self.lastSeen = lastSeen
            self.producer = producer
            self.quietSeries = quietSeries
        }
    }

    /// `MetricAnomaly`, `MetricAbsent` or `ProducerAbsent`: Alertmanager's name of the alert, which
    /// routes and groups them apart.
    package var alertName: String {
        guard let absence else { return "MetricAnomaly" }
        return absence.producer == nil ? "MetricAbsent" : "ProducerAbsent"
    }

    /// A series' absent alert, from what its record holds: firing since `since` (taken as over by
    /// `endsAt` unless sent again), or resolved at `time`.
    package static func absent(
        _ status: Status, of record: SeriesRecord, since: Double, at time: Double, endsAt: Double, modelVersion: Int,
        severity: Severity
    ) -> Alert {
        var alert = Alert(
            status: status, severity: severity, series: record.identity, startsAt: since, endsAt: endsAt,
            sampleTime: time, value: record.presence.lastValue, predicted: nil, lower: .nan, upper: .nan, score: 1,
            threshold: 1, reason: .predictionError, modelVersion: modelVersion)
        alert.absence = Absence(lastSeen: record.presence.lastSeen)
        return alert
    }

    /// The identity of a producer's alert: a series of its own, `producer{producer="NAME"}`.
    package static func producerIdentity(_ producer: String) -> SeriesIdentity {
        let key = (try? SeriesKey.make(name: "producer", labels: [("producer", producer)])) ?? "producer"
        return SeriesIdentity(key: key)
    }

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
    /// The series' fingerprint; an absent alert's differs (the two are separate alerts of one series).
    package var fingerprint: UInt64 {
        guard let absence else { return series.fingerprint }
        return series.fingerprint ^ (absence.producer == nil ? 0xA85E_17_0000_A85E : 0x5707_3000_0000_5707)
    }

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
        var w = JSONWriter.object()
        w.string("schema", "streamlstm.alert/v1")
        w.integer("seq", sequence)
        w.string("status", status.rawValue)
        w.beginObject("labels")
        for (name, value) in series.alertLabels(
            severity: severity, instance: instance, alertName: alertName, extra: extraLabels)
        {
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
        w.string("reason", reasonName)
        w.bool("warming_up", reason == .warmingUp && absence == nil)
        w.integer("model_version", modelVersion)
        w.endObject()
        if let absence {
            w.beginObject("absent")
            w.string("last_seen", absence.lastSeen.isFinite ? rfc3339(absence.lastSeen) : "")
            if let producer = absence.producer {
                w.string("producer", producer)
                w.integer("quiet_series", absence.quietSeries)
            }
            w.endObject()
        }
        return w.finishObject()
    }

    /// `absent`, `feedback`, or the scorer's reason.
    package var reasonName: String {
        absence != nil ? "absent" : resolvedByFeedback ? "feedback" : reason.name
    }

    package var summary: String {
        if let absence {
            let what =
                absence.producer.map { "\(absence.quietSeries) series of \($0) stopped reporting" }
                ?? "\(seriesKey) stopped reporting"
            return status == .firing ? what : what + ": resolved"
        }
        switch status {
        case .firing: return "Anomaly in \(seriesKey)"
        case .resolved:
            return resolvedByFeedback
                ? "Anomaly in \(seriesKey) resolved by feedback" : "Anomaly in \(seriesKey) resolved"
        }
    }

    /// "93.1 vs expected 41.2 [35.0, 47.4]".
    package var description: String {
        func short(_ x: Double) -> String {
            let rounded = (x * 1000).rounded() / 1000
            return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : "\(rounded)"
        }
        if let absence {
            let seen = absence.lastSeen.isFinite ? rfc3339(absence.lastSeen) : "never"
            return absence.producer == nil
                ? "no sample since \(seen) (last value \(short(value)))"
                : "\(absence.quietSeries) series quiet, none heard from since \(seen)"
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
    package func alertLabels(
        severity: Severity?, instance: String, alertName: String = "MetricAnomaly", extra: [String: String] = [:]
    ) -> [(
        name: String, value: String
    )] {
        var labels: [(name: String, value: String)] = [
            ("alertname", alertName), ("series", key), ("metric", metric),
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
