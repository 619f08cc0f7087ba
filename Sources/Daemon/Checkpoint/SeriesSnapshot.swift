import StreamLSTM

/// One series' whole state at one moment between two samples, detached from
/// the shard that owns it (the predictor is a copy-on-write snapshot), so
/// another thread can encode it while the shard goes on.
struct SeriesSnapshot: @unchecked Sendable {
    // @unchecked: `predictor` is a private copy nobody else mutates.
    let key: String
    let fingerprint: UInt64
    let alert: AlertState
    let lastTimestamp: Double
    let lastScore: Double
    let firingSamples: Int
    let trainingResumesAt: Int
    let predictor: Predictor

    init(_ state: SeriesState) {
        key = state.key
        fingerprint = state.fingerprint
        alert = state.alert
        lastTimestamp = state.lastTimestamp
        lastScore = state.lastScore
        firingSamples = state.firingSamples
        trainingResumesAt = state.trainingResumesAt
        predictor = state.predictor.snapshot()
    }

    private init(key: String, fingerprint: UInt64, alert: AlertState, lastTimestamp: Double, lastScore: Double,
                 firingSamples: Int, trainingResumesAt: Int, predictor: Predictor) {
        self.key = key
        self.fingerprint = fingerprint
        self.alert = alert
        self.lastTimestamp = lastTimestamp
        self.lastScore = lastScore
        self.firingSamples = firingSamples
        self.trainingResumesAt = trainingResumesAt
        self.predictor = predictor
    }

    /// The series state a shard can own again.
    func makeState() -> SeriesState {
        SeriesState(restoring: self)
    }

    // MARK: Bytes

    /// The series' fields, then its predictor record (which carries its own checksum).
    func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.write(bytes: Array(key.utf8))
        w.write(fingerprint)
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
        case .firing(let since, let lastSent, let severity, let calmSamples):
            w.write(UInt8(2))
            w.write(since)
            w.write(lastSent)
            w.write(UInt8(severity == .critical ? 1 : 0))
            w.write(UInt64(calmSamples))
        }
        w.write(bytes: predictor.serialized())
        return w.bytes
    }

    /// Decodes `encoded()`; the predictor runs under `config` if its state fits it.
    static func decode(_ bytes: ArraySlice<UInt8>, config: PredictorConfig) throws(SerializationError) -> SeriesSnapshot {
        var r = ByteReader(bytes)
        guard let key = String(validating: try r.readBytes(), as: UTF8.self) else { throw .invalid("series key not UTF-8") }
        let fingerprint = try r.read(UInt64.self)
        guard fingerprint == SeriesKey.fingerprint(key) else { throw .invalid("fingerprint does not match \(key)") }
        let lastTimestamp = try r.readDouble(), lastScore = try r.readDouble()
        let firingSamples = try r.readInt(), trainingResumesAt = try r.readInt()
        let alert: AlertState
        switch try r.read(UInt8.self) {
        case 0: alert = .normal(quietUntil: try r.readDouble())
        case 1: alert = .pending(since: try r.readDouble(), count: try r.readInt())
        case 2:
            let since = try r.readDouble(), lastSent = try r.readDouble()
            let severity: Severity = try r.read(UInt8.self) == 1 ? .critical : .warning
            alert = .firing(since: since, lastSent: lastSent, severity: severity, calmSamples: try r.readInt())
        case let tag: throw .invalid("alert state \(tag)")
        }
        let predictor = try Predictor(serialized: try r.readBytes(), configuredAs: config)
        guard r.remaining == 0 else { throw .invalid("\(r.remaining) bytes after the series record") }
        return SeriesSnapshot(key: key, fingerprint: fingerprint, alert: alert, lastTimestamp: lastTimestamp,
                              lastScore: lastScore, firingSamples: firingSamples, trainingResumesAt: trainingResumesAt,
                              predictor: predictor)
    }
}
