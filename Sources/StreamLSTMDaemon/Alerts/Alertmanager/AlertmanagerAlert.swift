import Foundation
import StreamLSTMVocabulary

/// One alert as Alertmanager's API v2 takes it: labels (its identity),
/// annotations, the incident's start and its end once resolved; the link to
/// the series on the daemon's HTTP is made when it is sent.
package struct AlertmanagerAlert: Sendable, Equatable {
    /// Sorted by name; names in `[a-zA-Z_][a-zA-Z0-9_]*`.
    package let labels: [(name: String, value: String)]
    package let annotations: [(name: String, value: String)]
    package let startsAt: Double
    /// Nil while firing: each send then says "over unless heard of again by now + 4 resend intervals".
    package var resolvedAt: Double?
    package let seriesKey: String

    package static func == (a: AlertmanagerAlert, b: AlertmanagerAlert) -> Bool {
        a.labels.elementsEqual(b.labels, by: ==) && a.annotations.elementsEqual(b.annotations, by: ==)
            && a.startsAt == b.startsAt && a.resolvedAt == b.resolvedAt && a.seriesKey == b.seriesKey
    }

    /// The alert a shard raised, under the daemon's `instance` name.
    package init(_ alert: Alert, instance: String) {
        labels = Self.labels(
            of: alert.series, severity: alert.severity, instance: instance, alertName: alert.alertName,
            extra: alert.extraLabels)
        if let absence = alert.absence {
            annotations = [
                ("summary", alert.summary),
                ("description", alert.description),
                ("value", absence.producer == nil ? "\(alert.value)" : ""),
                ("last_seen", absence.lastSeen.isFinite ? rfc3339(absence.lastSeen) : ""),
                ("quiet_series", absence.producer == nil ? "" : "\(absence.quietSeries)"),
                ("reason", "absent"),
            ]
        } else {
            annotations = [
                ("summary", alert.summary),
                ("description", alert.resolvedByFeedback ? "marked normal by a user" : alert.description),
                ("value", "\(alert.value)"),
                ("forecast", alert.predicted.map { "\($0)" } ?? ""),
                ("band", "[\(alert.lower), \(alert.upper)]"),
                ("score", String(format: "%.4f", alert.score)),
                ("reason", alert.reasonName),
                ("model_version", "\(alert.modelVersion)"),
            ]
        }
        startsAt = alert.startsAt
        resolvedAt = alert.status == .resolved ? alert.endsAt : nil
        seriesKey = alert.seriesKey
    }

    /// A series that was firing when the daemon's last checkpoint was written: sent again with its
    /// original start, so that Alertmanager sees one incident across the restart.
    /// `extra`: the labels of the series' rule, as its alert fired with them.
    package init(restoring record: SeriesRecord, instance: String, extra: [String: String] = [:]) {
        guard case .firing(let since, _, let severity, _, _) = record.alert else {
            preconditionFailure("only firing series are restored into Alertmanager")
        }
        labels = Self.labels(of: record.identity, severity: severity, instance: instance, extra: extra)
        annotations = [
            ("summary", "Anomaly in \(record.identity.key)"),
            (
                "description",
                "firing since before the daemon restarted; score \(String(format: "%.4f", record.lastScore))"
            ),
            ("score", String(format: "%.4f", record.lastScore)),
        ]
        startsAt = since
        resolvedAt = nil
        seriesKey = record.identity.key
    }

    /// alertname, series, metric, severity and instance, then the series' own labels (renamed
    /// `label_<name>` where they clash with those), every name made a valid label name. Without a
    /// severity (a series has one only once it alerts): what silences are matched against, the labels
    /// Alertmanager would see on any alert of the series, so that a silence holds here exactly where
    /// Alertmanager mutes. `extra`: a rule's labels (valid names, none of the daemon's own), over the
    /// series' own of the same name.
    package static func labels(
        of series: SeriesIdentity, severity: Severity?, instance: String, alertName: String = "MetricAnomaly",
        extra: [String: String] = [:]
    ) -> [(name: String, value: String)] {
        var labels: [String: String] = [
            "alertname": alertName, "series": series.key, "metric": series.metric, "instance": instance,
        ]
        if let severity { labels["severity"] = severity.rawValue }
        for (name, value) in series.labels {
            let valid = labelName(name)
            labels[labels[valid] == nil ? valid : labelName("label_" + name)] = value
        }
        labels.merge(extra) { _, rule in rule }
        return labels.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    /// A valid label name (`SeriesKey.labelName`: keys made now already have them; a series
    /// restored from an older checkpoint may not).
    package static func labelName(_ name: String) -> String {
        SeriesKey.isLabelName(name) ? name : SeriesKey.labelName(name)
    }

    package static func generatorURL(base: String, key: String) -> String {
        guard !base.isEmpty else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let escaped = key.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        return base.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/series?key=" + escaped
    }

    /// The JSON object of one alert in a `POST /api/v2/alerts` body. A firing alert ends at `firingEndsAt`
    /// unless sent again before; `generatorBase` is the daemon's HTTP base URL ("": no link).
    package func json(firingEndsAt: Double, generatorBase: String) -> String {
        let generatorURL = Self.generatorURL(base: generatorBase, key: seriesKey)
        var w = JSONWriter.object()
        w.beginObject("labels")
        for (name, value) in labels { w.string(name, value) }
        w.endObject()
        w.beginObject("annotations")
        for (name, value) in annotations where !value.isEmpty { w.string(name, value) }
        w.endObject()
        w.string("startsAt", rfc3339(startsAt))
        w.string("endsAt", rfc3339(resolvedAt ?? firingEndsAt))
        if !generatorURL.isEmpty { w.string("generatorURL", generatorURL) }
        return w.finishObject()
    }
}
