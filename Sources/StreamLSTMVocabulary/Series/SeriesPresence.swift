import Foundation
import StreamLSTM

/// When a series was last heard from, how often it speaks, and whether its silence has become an
/// incident. Kept beside its model (and in the checkpoint), so that a series quiet across a restart
/// is judged from when it was really last seen.
///
/// The cadence is learned from the samples' own timestamps, so the live daemon and a replay learn
/// the same one; `lastSeen` is on the clock that judges absence (the daemon's wall clock live, the
/// samples' clock in a replay), and the gaps between arrivals on that clock are learned too: a
/// producer that sends 15-second samples in one message every 5 minutes is quiet for 5 minutes at
/// a time by design.
package struct SeriesPresence: Sendable, Equatable {
    /// When the newest sample arrived, on the judging clock (-∞: never).
    package var lastSeen = -Double.infinity
    /// The newest sample's value, for the absent alert (samples are finite).
    package var lastValue = 0.0
    /// The median interval between samples' timestamps, in seconds: a streaming estimate that each
    /// interval moves by one step (a factor) up or down, so jitter of any size moves it no further.
    package var interval = 0.0
    /// The 99th percentile of those intervals: gaps the series has now and then (a producer that
    /// pauses every so often) raise it, so they are not taken for absence.
    package var regularGap = 0.0
    /// The longest quiet between two deliveries the series has shown, forgotten slowly (a factor
    /// e^-0.0002 a sample, half in about 3,500 samples): the gaps between arrivals on the judging
    /// clock, and the span of sample time one delivery carries (a producer that sends 5 minutes of
    /// samples at once is quiet for 5 minutes after it, which its first delivery already shows).
    package var regularArrivalGap = 0.0
    /// The timestamp of the first sample of the delivery being heard (samples that arrive at one time).
    package var deliveryStart = 0.0
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
    /// One step of the streaming quantiles, a factor of e^0.02: a cadence that changes tenfold is
    /// learned in about 120 samples, and the median of an interval jittered ±40 % stays within about
    /// 10 % of it. The 99th percentile steps up by 0.99 of it above the estimate and down by 0.01 below.
    private static let up = exp(0.02)
    private static let down = exp(-0.02)
    private static let tailUp = exp(0.02 * 0.99)
    private static let tailDown = exp(-0.02 * 0.01)

    /// The typical interval in seconds, nil until it is known.
    package var typicalInterval: Double? { intervals >= Self.minimumIntervals ? interval : nil }

    /// Seconds of silence after which the series is absent: `after` typical intervals, at least twice
    /// its regular gaps (between timestamps and between arrivals), at least `minimumSeconds`; nil
    /// while its cadence is not known.
    package func allowedSilence(after: Double, minimumSeconds: Double) -> Double? {
        guard let interval = typicalInterval else { return nil }
        return max(after * interval, 2 * max(regularGap, regularArrivalGap), minimumSeconds)
    }

    /// Learns from a sample that arrived at `seen` (judging clock), `gap` sample-clock seconds after
    /// the series' previous one (nil for its first). The gaps that ended an absence are not learned:
    /// an outage is not the cadence. Returns the absence this sample ends, if one was open.
    ///
    /// A late delivery of samples that follow on from the last (their own clock shows no gap) is a
    /// delivery cadence, and its arrival gap is learned even when it ended an absence.
    package mutating func heard(value: Double, timestamp: Double, seen: Double, gap: Double?) -> Absence? {
        let ended = absence
        absence = nil
        let arrivalGap = seen - lastSeen
        let newDelivery = seen > lastSeen
        lastSeen = max(lastSeen, seen)
        lastValue = value
        if newDelivery { deliveryStart = timestamp }
        guard let gap, gap > 0, gap.isFinite else { return ended }
        let continuous = intervals > 0 && gap <= 2 * regularGap
        if ended == nil || continuous {
            let quiet = newDelivery ? arrivalGap : timestamp - deliveryStart
            if quiet.isFinite && quiet >= 0 { regularArrivalGap = max(quiet, regularArrivalGap * Self.tailDown) }
        }
        guard ended == nil else { return ended }
        if intervals == 0 {
            (interval, regularGap) = (gap, gap)
        } else {
            interval *= gap > interval ? Self.up : gap < interval ? Self.down : 1
            regularGap = max(regularGap * (gap > regularGap ? Self.tailUp : Self.tailDown), interval)
        }
        intervals += 1
        return ended
    }

    // MARK: Bytes

    package func encode(into w: inout ByteWriter) {
        w.write(lastSeen)
        w.write(lastValue)
        w.write(interval)
        w.write(regularGap)
        w.write(regularArrivalGap)
        w.write(deliveryStart)
        w.write(UInt64(intervals))
        w.write(UInt8(absence == nil ? 0 : absence!.announced ? 2 : 1))
        w.write(absence?.since ?? 0)
        w.write(bytes: Array(source.utf8))
    }

    package static func decode(from r: inout ByteReader) throws(SerializationError) -> SeriesPresence {
        var presence = SeriesPresence()
        presence.lastSeen = try r.readDouble()
        presence.lastValue = try r.readDouble()
        presence.interval = try r.readDouble()
        presence.regularGap = try r.readDouble()
        presence.regularArrivalGap = try r.readDouble()
        presence.deliveryStart = try r.readDouble()
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
        let cadence = [presence.interval, presence.regularGap, presence.regularArrivalGap]
        guard cadence.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw .invalid("cadence not finite") }
        return presence
    }
}
