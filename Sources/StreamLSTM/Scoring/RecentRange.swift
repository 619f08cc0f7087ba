/// What a series' values did over the past week, for the recent-range test: the range of its
/// ordinary values, one minimum and maximum per UTC day for today and the seven days before, and the
/// extremes of its bursts (samples of an incident) today and yesterday.
///
/// The whole-series range remembers every incident for good, so a series whose first incident went to
/// 12 times its usual level cannot page out of range again for one of 3 times. This range forgets
/// after a week, and keeps incidents apart: the next incident is judged against the week's ordinary
/// values. A burst is remembered for two days only, so that a burst that recurs daily (a nightly job)
/// is judged against yesterday's, and pages at most once. Days are calendar days, whatever the
/// sampling interval: a week is a week of a series sampled hourly or every second.
public struct RecentRange: Sendable, Hashable {
    /// Today and the seven days before it.
    static let days = 8
    static let secondsPerDay = 86_400.0
    /// The range speaks once it has seen a whole day: a few hours of a daily cycle are not its range.
    static let needsSeconds = secondsPerDay

    /// Each day's ordinary extremes, indexed by the day number modulo `days`.
    private(set) var lows = SIMD8<Double>(repeating: .infinity)
    private(set) var highs = SIMD8<Double>(repeating: -.infinity)
    /// Bursts' extremes today and yesterday.
    private(set) var burstsToday = Extremes()
    private(set) var burstsYesterday = Extremes()
    /// The day of the latest sample (`Int64.min` before the first) and the time of the first (+∞ before it).
    private(set) var day = Int64.min
    private(set) var since = Double.infinity

    /// A minimum and a maximum (empty: +∞ and −∞).
    struct Extremes: Sendable, Hashable {
        var low = Double.infinity
        var high = -Double.infinity

        mutating func take(_ value: Double) {
            low = min(low, value)
            high = max(high, value)
        }
    }

    public init() {}

    init(
        lows: SIMD8<Double>, highs: SIMD8<Double>, burstsToday: Extremes, burstsYesterday: Extremes, day: Int64,
        since: Double
    ) {
        self.lows = lows
        self.highs = highs
        self.burstsToday = burstsToday
        self.burstsYesterday = burstsYesterday
        self.day = day
        self.since = since
    }

    /// Day numbers stay below this in size, so that differences of two never overflow.
    static let largestDay: Int64 = 1_000_000_000_000_000

    /// The day number of `timestamp`, or nil for a time no calendar holds.
    static func dayNumber(_ timestamp: Double) -> Int64? {
        let days = (timestamp / secondsPerDay).rounded(.down)
        return abs(days) < Double(largestDay) ? Int64(days) : nil
    }

    private static func slot(_ day: Int64) -> Int { Int(day & Int64(days - 1)) }

    /// Moves to the day of `timestamp` before a sample is judged (whether or not it is then learned):
    /// days without a sample are cleared, today's bursts become yesterday's, and after a week without
    /// samples nothing is left and the range needs a whole day again.
    mutating func advance(to timestamp: Double) {
        guard let today = Self.dayNumber(timestamp), day != .min, today > day else { return }
        for skipped in (day + 1)...min(today, day + Int64(Self.days)) {
            lows[Self.slot(skipped)] = .infinity
            highs[Self.slot(skipped)] = -.infinity
        }
        burstsYesterday = today == day + 1 ? burstsToday : Extremes()
        burstsToday = Extremes()
        if today - day >= Int64(Self.days) { since = timestamp }
        day = today
    }

    /// Takes a value seen at `timestamp` (after `advance(to:)`): into the day's ordinary range, or as a
    /// `burst` into the day's bursts. A sample older than the latest day counts for the latest (time runs
    /// back within a series only with `accept_out_of_order`).
    mutating func observe(_ value: Double, at timestamp: Double, burst: Bool) {
        guard let today = Self.dayNumber(timestamp) else { return }
        if day == .min { day = today }
        advance(to: timestamp)
        since = min(since, timestamp)
        if burst {
            burstsToday.take(value)
        } else {
            lows[Self.slot(day)] = min(lows[Self.slot(day)], value)
            highs[Self.slot(day)] = max(highs[Self.slot(day)], value)
        }
    }

    /// How far `value` at `timestamp` lies beyond the range, in widths of the week's ordinary range past
    /// `margin` of them (and past a burst of today's or yesterday's by a quarter of its excursion); nil
    /// inside, or while the range has seen less than a day or no spread.
    func beyond(_ value: Double, at timestamp: Double, margin: Double) -> Double? {
        guard timestamp - since >= Self.needsSeconds else { return nil }
        let low = lows.min()
        let high = highs.max()
        guard low < high else { return nil }
        let span = high - low
        var upper = high + margin * span
        var lower = low - margin * span
        let bursts = Extremes(
            low: min(burstsToday.low, burstsYesterday.low), high: max(burstsToday.high, burstsYesterday.high))
        if bursts.high > high { upper = max(upper, bursts.high + Self.burstMargin * (bursts.high - high)) }
        if bursts.low < low { lower = min(lower, bursts.low - Self.burstMargin * (low - bursts.low)) }
        if value > upper { return (value - upper) / span }
        if value < lower { return (lower - value) / span }
        return nil
    }

    /// A value within a quarter of a recent burst's excursion beyond it is that burst again.
    static let burstMargin = 0.25
}
