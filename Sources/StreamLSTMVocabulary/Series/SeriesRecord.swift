import StreamLSTM

/// Who a series is: its key as producers send it, its fingerprint, and its
/// metric name and labels, parsed from the key once, when the series is
/// first seen (every alert of the series carries them).
package struct SeriesIdentity: Sendable, Equatable {
    package let key: String
    package let fingerprint: UInt64
    package let metric: String
    package let labels: [(name: String, value: String)]

    package init(key: String, fingerprint: UInt64) {
        self.key = key
        self.fingerprint = fingerprint
        let (metric, labels) = SeriesKey.parse(key)
        self.metric = metric
        self.labels = labels.map { (name: $0.0, value: $0.1) }
    }

    package init(key: String) {
        self.init(key: key, fingerprint: SeriesKey.fingerprint(key))
    }

    /// The rest follows from the key.
    package static func == (a: SeriesIdentity, b: SeriesIdentity) -> Bool { a.key == b.key }
}

/// What the daemon keeps of one series beside its model. The live state, a
/// checkpoint's snapshot and the checkpoint file hold these same fields.
package struct SeriesRecord: Sendable, Equatable {
    package let identity: SeriesIdentity
    package var alert = AlertState.initial
    /// The newest sample's time (samples older than it are dropped, unless the input accepts them).
    package var lastTimestamp = -Double.infinity
    package var lastScore = 0.0
    /// Samples since the current alert started firing (0 when none is).
    package var firingSamples = 0
    /// No training before this sample count: set when an alert resolves, so
    /// that no window holding the incident is learned as normal.
    package var trainingResumesAt = 0
    /// When it was last heard from, its cadence, and whether it is absent.
    package var presence = SeriesPresence()

    package init(identity: SeriesIdentity) {
        self.identity = identity
    }

    // MARK: Bytes

    /// The checkpoint format these bytes belong to: 3 added the presence.
    package static let formatVersion: UInt16 = 3

    package func encode(into w: inout ByteWriter) {
        w.write(bytes: Array(identity.key.utf8))
        w.write(identity.fingerprint)
        w.write(lastTimestamp)
        w.write(lastScore)
        w.write(UInt64(firingSamples))
        w.write(UInt64(trainingResumesAt))
        switch alert {
        case .normal(let quietUntil):
            w.write(UInt8(0))
            w.write(quietUntil)
        case .pending(let since, let count):
            w.write(UInt8(1))
            w.write(since)
            w.write(UInt64(count))
        case .firing(let since, let lastSent, let severity, let calmSamples, _):
            // The quiet count is not kept: after a restart, a new incident inside the open alert is
            // counted from the restart on.
            w.write(UInt8(2))
            w.write(since)
            w.write(lastSent)
            w.write(UInt8(severity == .critical ? 1 : 0))
            w.write(UInt64(calmSamples))
        }
        presence.encode(into: &w)
    }

    /// `formatVersion`: the checkpoint's; version 2 has no presence (the series is judged from its next sample).
    package static func decode(from r: inout ByteReader, formatVersion: UInt16 = SeriesRecord.formatVersion)
        throws(SerializationError) -> SeriesRecord
    {
        guard let key = String(validating: try r.readBytes(), as: UTF8.self) else {
            throw .invalid("series key not UTF-8")
        }
        let fingerprint = try r.read(UInt64.self)
        guard fingerprint == SeriesKey.fingerprint(key) else { throw .invalid("fingerprint does not match \(key)") }
        var record = SeriesRecord(identity: SeriesIdentity(key: key, fingerprint: fingerprint))
        record.lastTimestamp = try r.readDouble()
        record.lastScore = try r.readDouble()
        record.firingSamples = try r.readInt()
        record.trainingResumesAt = try r.readInt()
        switch try r.read(UInt8.self) {
        case 0: record.alert = .normal(quietUntil: try r.readDouble())
        case 1: record.alert = .pending(since: try r.readDouble(), count: try r.readInt())
        case 2:
            let since = try r.readDouble()
            let lastSent = try r.readDouble()
            let severity: Severity = try r.read(UInt8.self) == 1 ? .critical : .warning
            record.alert = .firing(
                since: since, lastSent: lastSent, severity: severity, calmSamples: try r.readInt(), quietSamples: 0)
        case let tag: throw .invalid("alert state \(tag)")
        }
        if formatVersion >= 3 { record.presence = try SeriesPresence.decode(from: &r) }
        return record
    }
}
