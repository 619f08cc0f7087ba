import Foundation
import StreamLSTM

/// When a series was last heard from, how often it speaks, and whether its silence has become an
/// incident. Kept beside its model (and in the checkpoint), so that a series quiet across a restart
/// is judged from when it was really last seen.
///
/// The cadence is learned from the samples' own timestamps, so the live daemon and a replay learn
/// the same one; `lastSeen` is on the clock that judges absence (the daemon's wall clock live, the
/// samples' clock in a replay).
package struct SeriesPresence: Sendable, Equatable {
    /// When the newest sample arrived, on the judging clock (-∞: never).
    package var lastSeen = -Double.infinity
    /// The newest sample's value, for the absent alert (samples are finite).
    package var lastValue = 0.0
    /// The median interval between samples, in log seconds (a streaming estimate: jitter moves it
    /// by a step either way, however large the jitter).
    package var logInterval = 0.0
    /// The 99th percentile of the intervals, in log seconds: gaps the series has now and then
    /// (a producer that pauses every so often) raise it, so they are not taken for absence.
    package var logRegularGap = 0.0
    /// Intervals learned from so far; absence is judged once there are `minimumIntervals`.
    package var intervals = 0
    /// Whether its silence is an incident now, and whether that was announced (an absent alert went
    /// out; not during a producer's storm, where one alert speaks for all its series).
    package var absence: Absence?
    /// Its producer, or the input it comes in on where producers are not known ("": not known): the
    /// series that go quiet together when that dies.
    package var source = ""

    package struct Absence: Sendable, Equatable {
        /// When the silence became an incident (the deadline it passed).
        package var since: Double
        package var announced: Bool

        package init(since: Double, announced: Bool) {
            self.since = since
            self.announced = announced
        }
    }

    package init() {}

    /// A series speaks regularly enough to be judged once it has shown this many intervals.
    package static let minimumIntervals = 3
    /// Step of the streaming quantiles, in log seconds: a cadence that changes tenfold is learned in
    /// about 120 samples, and the median of an interval jittered ±40 % stays within about 10 % of it.
    private static let step = 0.02

    /// The typical interval in seconds, nil until it is known.
    package var interval: Double? { intervals >= Self.minimumIntervals ? exp(logInterval) : nil }

    /// Seconds of silence after which the series is absent: `after` typical intervals, at least twice
    /// its regular gaps, at least `minimumSeconds`; nil while its cadence is not known.
    package func allowedSilence(after: Double, minimumSeconds: Double) -> Double? {
        guard let interval else { return nil }
        return max(after * interval, 2 * exp(logRegularGap), minimumSeconds)
    }

    /// When the series becomes absent if nothing comes; nil while its cadence is not known.
    package func deadline(after: Double, minimumSeconds: Double) -> Double? {
        allowedSilence(after: after, minimumSeconds: minimumSeconds).map { lastSeen + $0 }
    }

    /// Learns from a sample that arrived at `seen` (judging clock), `gap` sample-clock seconds after
    /// the series' previous one (nil for its first). A gap that ended an absence is not learned: an
    /// outage is not the cadence. Returns the absence this sample ends, if one was open.
    package mutating func heard(value: Double, seen: Double, gap: Double?) -> Absence? {
        let ended = absence
        absence = nil
        lastSeen = max(lastSeen, seen)
        lastValue = value
        if let gap, gap > 0, gap.isFinite, ended == nil {
            let logGap = log(gap)
            if intervals == 0 {
                (logInterval, logRegularGap) = (logGap, logGap)
            } else {
                logInterval += Self.step * (logGap > logInterval ? 1 : logGap < logInterval ? -1 : 0)
                // Robbins-Monro for the 0.99 quantile: up 0.99 steps above it, down 0.01 below.
                logRegularGap += Self.step * (logGap > logRegularGap ? 0.99 : -0.01)
                logRegularGap = max(logRegularGap, logInterval)
            }
            intervals += 1
        }
        return ended
    }

    // MARK: Bytes

    package func encode(into w: inout ByteWriter) {
        w.write(lastSeen)
        w.write(lastValue)
        w.write(logInterval)
        w.write(logRegularGap)
        w.write(UInt64(intervals))
        w.write(UInt8(absence == nil ? 0 : absence!.announced ? 2 : 1))
        w.write(absence?.since ?? 0)
        w.write(bytes: Array(source.utf8))
    }

    package static func decode(from r: inout ByteReader) throws(SerializationError) -> SeriesPresence {
        var presence = SeriesPresence()
        presence.lastSeen = try r.readDouble()
        presence.lastValue = try r.readDouble()
        presence.logInterval = try r.readDouble()
        presence.logRegularGap = try r.readDouble()
        presence.intervals = try r.readInt()
        let tag = try r.read(UInt8.self)
        let since = try r.readDouble()
        guard let source = String(validating: try r.readBytes(), as: UTF8.self) else {
            throw .invalid("series source not UTF-8")
        }
        presence.source = source
        switch tag {
        case 0: break
        case 1, 2: presence.absence = Absence(since: since, announced: tag == 2)
        default: throw .invalid("absence state \(tag)")
        }
        guard presence.logInterval.isFinite, presence.logRegularGap.isFinite else {
            throw .invalid("cadence not finite")
        }
        return presence
    }
}
