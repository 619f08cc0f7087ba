import StreamLSTM
import StreamLSTMVocabulary

/// Everything the daemon keeps for one series: its record, its model and
/// whether a training job is out. Owned by one shard thread.
package final class SeriesState {
    package var record: SeriesRecord
    package let predictor: Predictor
    /// A training job of this series is queued or running: at most one at a time.
    package var trainingInFlight = false
    /// Who sent the newest sample, when known (a CURVE producer's user id).
    package var producer: String?
    /// A verdict of `normal` asked for the next due training job, whatever the alert state.
    package var trainSoon = false
    /// The bytes this series was last charged against the memory budget (`heldBytes`).
    package var chargedBytes = 0
    /// The silence in force for this series, as of `silenceGeneration` of the silences (`consult`).
    package private(set) var silence: SilenceMatch?
    private var silenceGeneration: UInt64?
    /// The rule that applies to this series (`rules:`, the first that matches), as of
    /// `ruleGeneration` of the live settings (`consult(rules:generation:)`).
    package private(set) var rule: MatchedRule?
    private var ruleGeneration: UInt64?
    /// No training before this sample count, whatever else says: a silence held the series until
    /// recently, or a user confirmed an anomaly in the window. Not kept in a checkpoint: a restart
    /// within a window of either may learn that window.
    package var trainingHeldUntil = 0
    /// Whether its silence is judged: not once a replayed recording it came in has ended, until its next sample.
    package var watched = true
    /// The labels its open anomaly alert fired with (nil: none open, or one restored from a checkpoint,
    /// which takes its rule's as they are now); the incident's notices keep them until it resolves.
    package var anomalyLabels: [String: String]?
    /// The labels and severity its absent alert fired with, the same way.
    package var absentLabels: (labels: [String: String], severity: Severity)?
    /// When its absent alert was last sent (judging clock): it is sent again every `alerts.resend_interval`.
    package var absentLastSent = -Double.infinity

    /// A new series. `prior`: the starting weights every new series shares until its first training result.
    package init(identity: SeriesIdentity, config: PredictorConfig, prior: [Float16]) {
        record = SeriesRecord(identity: identity)
        predictor = Predictor(config: config, initialWeights: prior)
    }

    /// A series as a snapshot kept it.
    package init(record: SeriesRecord, predictor: Predictor) {
        self.record = record
        self.predictor = predictor
    }

    /// Bytes of the object, about (header, record, references, flags, the rule and its generation):
    /// what the shard prefetches.
    package static let objectBytes = 16 + MemoryLayout<SeriesRecord>.size + 8 + 8 + 16 + 16

    /// What the memory budget charges this series: its predictor's own bytes, this object, its slot
    /// in the book, the strings of its identity that are not stored inline, and malloc's 16 bytes
    /// for each of the dozen blocks a series allocates.
    package var heldBytes: Int {
        predictor.ownBytes + Self.objectBytes + 24 + Self.identityBytes(record.identity) + 12 * 16
    }

    /// Heap bytes of an identity's strings (those of 15 bytes or fewer are stored inline).
    package static func identityBytes(_ identity: SeriesIdentity) -> Int {
        let strings = [identity.key, identity.metric].map(\.utf8.count).filter { $0 > 15 }.reduce(0) { $0 + $1 + 32 }
        return strings + identity.labels.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 32 }
    }

    package var key: String { record.identity.key }
    package var fingerprint: UInt64 { record.identity.fingerprint }

    /// Whether a training job may be made now: none in flight, one due, and
    /// either no alert (and the last incident out of the window) or an alert
    /// that has lasted `learnAfter` samples: a change that persists.
    package func mayTrain(learnAfter: Int) -> Bool {
        guard !trainingInFlight, predictor.trainingDue, predictor.sampleCount >= trainingHeldUntil else {
            return false
        }
        if trainSoon { return true }
        switch record.alert {
        case .normal: return predictor.sampleCount >= record.trainingResumesAt
        case .pending: return false
        case .firing: return record.firingSamples >= learnAfter
        }
    }

    /// Matches this series against the silences in force when they have changed since it last did:
    /// most batches cost one comparison.
    package func consult(_ silences: ActiveSilences, instance: String) {
        guard silences.generation != silenceGeneration else { return }
        silenceGeneration = silences.generation
        silence =
            silences.isEmpty
            ? nil
            : silences.silence(
                for: AlertmanagerAlert.labels(
                    of: record.identity, severity: nil, instance: instance, extra: routing.labels))
    }

    /// Matches this series against the rules when they have changed since it last did (at its
    /// first sample and after a reload that changed them): most samples cost one comparison.
    package func consult(rules: SeriesRules, generation: UInt64) {
        guard generation != ruleGeneration else { return }
        ruleGeneration = generation
        let matched = rules.firstMatch(for: record.identity)
        // A rule's labels are among those silences match: a new rule, a new look at the silences.
        if matched?.rule.labels != rule?.rule.labels { silenceGeneration = nil }
        rule = matched
    }

    /// Whether the series' rule turns the absent-series check on or off for it (`.inherit`: no rule
    /// says, the daemon's setting holds). As of the series' last sample.
    package var absent: SeriesRule.AbsentSetting { rule?.rule.absent ?? .inherit }

    /// Its rule's labels and absent severity, as its alerts carry them now (`SeriesRule.routing`).
    package var routing: (labels: [String: String], severity: Severity) { SeriesRule.routing(rule?.rule) }

    package var summary: SeriesSummary {
        let alertName: String
        switch record.alert {
        case .normal: alertName = "normal"
        case .pending: alertName = "pending"
        case .firing: alertName = "firing"
        }
        return SeriesSummary(
            key: key, samples: predictor.sampleCount, lastTimestamp: record.lastTimestamp,
            modelVersion: predictor.modelVersion, alert: alertName,
            residualRMS: predictor.residualMeanSquare.squareRoot(), score: record.lastScore,
            forecast: predictor.forecast,
            trainingInFlight: trainingInFlight, producer: producer, silence: silence?.id, bytes: chargedBytes,
            lastSeen: record.presence.lastSeen, interval: record.presence.typicalInterval,
            absent: record.presence.absence != nil, rule: rule?.name)
    }
}

extension SeriesSummary {
    /// `[{"series":...,"samples":...,"model_version":...,...}, ...]`.
    package static func json(_ summaries: [SeriesSummary]) -> String {
        var text = "["
        for (index, summary) in summaries.enumerated() {
            if index > 0 { text += ",\n" }
            var w = JSONWriter.object()
            w.string("series", summary.key)
            w.integer("samples", summary.samples)
            w.string("last_sample", summary.lastTimestamp.isFinite ? rfc3339(summary.lastTimestamp) : "")
            w.integer("model_version", summary.modelVersion)
            w.integer("bytes", summary.bytes)
            w.bool("silenced", summary.silence != nil)
            if let silence = summary.silence { w.string("silence_id", silence) }
            if let rule = summary.rule { w.string("rule", rule) }
            w.string("alert", summary.alert)
            w.number("residual_rms", summary.residualRMS)
            w.number("score", summary.score)
            w.number("forecast", summary.forecast)
            w.bool("training", summary.trainingInFlight)
            if let producer = summary.producer { w.string("producer", producer) }
            w.string("last_seen", summary.lastSeen.isFinite ? rfc3339(summary.lastSeen) : "")
            w.number("interval", summary.interval)
            w.bool("absent", summary.absent)
            text += w.finishObject()
        }
        return text + "]\n"
    }
}
