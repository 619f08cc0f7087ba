import StreamLSTM
import StreamLSTMVocabulary

/// What every parser checks of a sample's numbers, in one place, so that no
/// input format lets through what another refuses.
package enum SampleChecks {
    /// Unix seconds of 1900-01-01 and 2200-01-01. A timestamp outside is a
    /// mistake (milliseconds or nanoseconds sent as seconds, a garbage
    /// number), and no time format could show it.
    package static let earliestTimestamp = -2_208_988_800.0
    package static let latestTimestamp = 7_258_118_400.0
    /// Values beyond ±1e100 are refused: their squares would overflow the
    /// statistics a series keeps, and no metric is that large.
    package static let largestValue = Predictor.largestValue

    package static func valueProblem(_ value: Double) -> RejectReason? {
        guard value.isFinite else { return .nonFiniteValue }
        return abs(value) <= largestValue ? nil : .valueOutOfRange
    }

    /// A key no longer than `maxKeyLength` bytes; otherwise nil, the refusal counted as
    /// `key_too_long` with the format's name.
    package static func keyWithinLimit(
        _ key: String, _ maxKeyLength: Int, format: String, _ rejections: inout Rejections
    ) -> String? {
        guard key.utf8.count <= maxKeyLength else {
            rejections.add(.keyTooLong, "\(format): series key of \(key.utf8.count) bytes (limit \(maxKeyLength))")
            return nil
        }
        return key
    }

    /// The key of a name and labels within `maxKeyLength` bytes; otherwise nil, the refusal counted
    /// (`bad_name` or `key_too_long`) with the format's name.
    package static func key(
        name: String, labels: [(String, String)], maxKeyLength: Int, format: String, _ rejections: inout Rejections
    ) -> String? {
        let key: String
        do {
            key = try SeriesKey.make(name: name, labels: labels)
        } catch {
            rejections.add(.badName, "\(format): \(error)")
            return nil
        }
        return keyWithinLimit(key, maxKeyLength, format: format, &rejections)
    }

    package static func isPlausible(timestamp: Double) -> Bool {
        timestamp >= earliestTimestamp && timestamp < latestTimestamp  // false for NaN too
    }
}
