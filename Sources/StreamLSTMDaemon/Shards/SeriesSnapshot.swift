import StreamLSTM
import StreamLSTMVocabulary

/// One series' whole state at one moment between two samples, detached from
/// the shard that owns it (the predictor is a copy-on-write snapshot), so
/// another thread can encode it while the shard goes on.
package struct SeriesSnapshot: @unchecked Sendable {
    // @unchecked: `predictor` is a private copy nobody else mutates.
    package let record: SeriesRecord
    package let predictor: Predictor

    package init(_ state: SeriesState) {
        record = state.record
        predictor = state.predictor.snapshot()
    }

    private init(record: SeriesRecord, predictor: Predictor) {
        self.record = record
        self.predictor = predictor
    }

    package var key: String { record.identity.key }
    package var fingerprint: UInt64 { record.identity.fingerprint }

    /// The same series under another key (a key made by an older release: label names are mapped
    /// now), everything else as it was.
    package func rekeyed(_ key: String) -> SeriesSnapshot {
        var moved = SeriesRecord(identity: SeriesIdentity(key: key))
        moved.alert = record.alert
        moved.lastTimestamp = record.lastTimestamp
        moved.lastScore = record.lastScore
        moved.firingSamples = record.firingSamples
        moved.trainingResumesAt = record.trainingResumesAt
        moved.presence = record.presence
        return SeriesSnapshot(record: moved, predictor: predictor)
    }

    /// The series state a shard can own again; no training job is in flight after a restore.
    package func makeState() -> SeriesState {
        SeriesState(record: record, predictor: predictor)
    }

    // MARK: Bytes

    /// The series' record, then its predictor record (which carries its own checksum).
    package func encoded() -> [UInt8] {
        var w = ByteWriter()
        record.encode(into: &w)
        w.write(bytes: predictor.serialized())
        return w.bytes
    }

    /// Decodes `encoded()`; the predictor runs under `config` if its state fits it. The bytes must
    /// have passed the checksum of the checkpoint frame they came in (the predictor record's own is
    /// not computed again).
    package static func decode(
        _ bytes: ArraySlice<UInt8>, config: PredictorConfig, formatVersion: UInt16 = SeriesRecord.formatVersion
    ) throws(SerializationError) -> SeriesSnapshot {
        var r = ByteReader(bytes)
        let record = try SeriesRecord.decode(from: &r, formatVersion: formatVersion)
        let predictor = try Predictor(serialized: try r.readSlice(), configuredAs: config, checksummed: false)
        guard r.remaining == 0 else { throw .invalid("\(r.remaining) bytes after the series record") }
        return SeriesSnapshot(record: record, predictor: predictor)
    }
}
