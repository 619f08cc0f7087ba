import Foundation
import StreamLSTM
import StreamLSTMVocabulary

/// A user's verdict on a stretch of one series: `POST /feedback`, `streamlstmd feedback`, or the
/// simulated user of `replay --simulated-user`. Times are the samples' own timestamps.
package struct Feedback: Sendable, Equatable {
    package let series: String
    package let from: Double
    package let to: Double
    package let verdict: Verdict
    package let note: String?

    /// A verdict as given, checked on its own (the series and its samples are checked where it lives).
    package init(series: String, from: Double, to: Double, verdict: Verdict, note: String? = nil) throws(FeedbackError)
    {
        guard !series.isEmpty else { throw .malformed("series is empty") }
        guard from.isFinite, to.isFinite else { throw .malformed("from and to must be finite times") }
        guard to >= from else { throw .endBeforeStart(from: from, to: to) }
        if let note, note.utf8.count > Self.longestNote {
            throw .malformed("note is over \(Self.longestNote) bytes")
        }
        self.series = series
        self.from = from
        self.to = to
        self.verdict = verdict
        self.note = note
    }

    package static let longestNote = 4096

    /// `{"series": KEY, "from": T, "to": T, "verdict": "normal"|"anomaly", "note": TEXT}`, with times as
    /// unix seconds or RFC 3339.
    package static func parse(json body: [UInt8]) throws(FeedbackError) -> Feedback {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw FeedbackError.malformed("expected a JSON object")
            }
            object = parsed
        } catch let error as FeedbackError {
            throw error
        } catch {
            throw .malformed("not JSON: \(error.localizedDescription)")
        }
        let known: Set<String> = ["series", "from", "to", "verdict", "note"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .malformed("unknown field \"\(unknown)\"")
        }
        guard let series = object["series"] as? String else { throw .malformed("series must be a string") }
        guard let verdictName = object["verdict"] as? String, let verdict = Verdict(rawValue: verdictName) else {
            throw .malformed("verdict must be \"normal\" or \"anomaly\"")
        }
        let note = object["note"]
        guard note == nil || note is String else { throw .malformed("note must be a string") }
        return try Feedback(
            series: series, from: try time(object["from"], "from"), to: try time(object["to"], "to"),
            verdict: verdict, note: note as? String)
    }

    /// Unix seconds from a JSON number or an RFC 3339 string.
    package static func time(_ value: Any?, _ name: String) throws(FeedbackError) -> Double {
        if let number = SilenceJSON.number(value) { return number }
        if let text = value as? String {
            if let seconds = Double(text) { return seconds }
            if let seconds = Timestamps.parseRFC3339(text) { return seconds }
        }
        throw .malformed("\(name) must be unix seconds or an RFC 3339 time")
    }

    /// The JSON body of `POST /feedback` for this verdict.
    package var json: String {
        var w = JSONWriter.object()
        write(into: &w, timesAsText: false)
        return w.finishObject()
    }

    /// The verdict's fields into the object `w` has open: the body of `POST /feedback`, which the
    /// journal keeps too (its times as RFC 3339 text, and when it was given).
    package func write(into w: inout JSONWriter, timesAsText: Bool) {
        w.string("series", series)
        for (key, time) in [("from", from), ("to", to)] {
            if timesAsText { w.string(key, rfc3339(time)) } else { w.number(key, time) }
        }
        w.string("verdict", verdict.rawValue)
        if let note { w.string("note", note) }
    }
}

/// Why a verdict was refused. Nothing changed.
package enum FeedbackError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case endBeforeStart(from: Double, to: Double)
    case unknownSeries(String)
    /// The stretch starts after the series' newest sample.
    case inTheFuture(from: Double, newest: Double)
    /// The daemon is stopping: its shards take no more work.
    case stopping
    /// The shard that owns the series did not answer in time: the verdict is queued there (it will
    /// be applied and kept), or could not even be queued (nothing happens).
    case shardBusy(shard: Int, queued: Bool)

    package var description: String {
        switch self {
        case .malformed(let problem): "bad feedback: \(problem)"
        case .endBeforeStart(let from, let to): "bad feedback: to (\(rfc3339(to))) is before from (\(rfc3339(from)))"
        case .unknownSeries(let key): "no series \(key)"
        case .inTheFuture(let from, let newest):
            "the stretch starts at \(rfc3339(from)), after the series' newest sample (\(rfc3339(newest)))"
        case .stopping: "the daemon is stopping"
        case .shardBusy(let shard, let queued):
            queued
                ? "shard \(shard) is busy: the verdict is queued there and will be applied and kept; do not send it again"
                : "shard \(shard) is busy and its queue is full: the verdict was not taken; send it again later"
        }
    }

    /// The HTTP status of the refusal.
    package var status: Int {
        switch self {
        case .malformed, .endBeforeStart: 400
        case .unknownSeries: 404
        case .inTheFuture: 422
        case .shardBusy(_, queued: true): 202
        case .stopping, .shardBusy: 503
        }
    }
}

/// What a verdict did to its series.
package struct FeedbackOutcome: Sendable, Equatable {
    /// An open alert was resolved (reason `feedback`).
    package var resolvedAlert = false
    /// A training job will be made at the next one due, whatever the alert state.
    package var trainingSoon = false
    /// Training holds off until the window no longer holds the stretch (an anomaly must not be learned as normal).
    package var trainingHeldOff = false
    package var effect = VerdictEffect()

    package var json: String {
        var w = JSONWriter.object()
        w.bool("resolved_alert", resolvedAlert)
        w.bool("training_soon", trainingSoon)
        w.bool("training_held_off", trainingHeldOff)
        w.integer("fit_samples", effect.samples)
        w.beginObject("sensitivity")
        for (reason, gain) in effect.sensitivity.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            w.number(reason.name, gain)
        }
        w.endObject()
        return w.finishObject()
    }
}
