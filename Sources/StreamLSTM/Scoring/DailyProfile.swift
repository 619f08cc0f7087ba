/// What a series usually reads at each time of day: one exponentially
/// weighted mean per 5-minute bin of the UTC day, remembering about the last
/// three days, whatever the sampling interval. An anomaly on a daily cycle is
/// often a value that is ordinary for the series but wrong for the hour (a
/// missing peak, a flat stretch in the afternoon), which a one-step forecast
/// follows and so cannot see.
///
/// 288 bins of a float and a 16-bit count: about 1.7 KB a series, the same
/// for a sample a second or a sample an hour.
public struct DailyProfile: Sendable, Hashable {
    static let bins = 288
    static let binSeconds = 86_400.0 / Double(bins)
    /// Memory of each bin, in days.
    static let memoryDays = 3.0

    var means: [Float]
    /// Samples each bin has taken, capped at 65,535: a count only sets the
    /// first weights (1/count) until the bin holds three days of samples
    /// (3 × 300 s / the interval), so the cap changes nothing for series
    /// sampled less often than every 14 ms.
    var counts: [UInt16]
    public private(set) var firstTimestamp: Double = .nan
    /// A running mean of the positive gaps between samples, in seconds.
    var meanInterval: Double = 0
    var intervals: Int = 0

    public init() {
        means = [Float](repeating: 0, count: Self.bins)
        counts = [UInt16](repeating: 0, count: Self.bins)
    }

    init(means: [Float], counts: [UInt16], firstTimestamp: Double, meanInterval: Double, intervals: Int) {
        self.means = means
        self.counts = counts
        self.firstTimestamp = firstTimestamp
        self.meanInterval = meanInterval
        self.intervals = intervals
    }

    private static func bin(at timestamp: Double) -> Int {
        var secondOfDay = timestamp.truncatingRemainder(dividingBy: 86_400)
        if secondOfDay < 0 { secondOfDay += 86_400 }
        return min(Int(secondOfDay / binSeconds), bins - 1)
    }

    /// `value` minus the usual value at this time of day (of this bin or a
    /// neighbour, whichever is closest, so that a cycle a few minutes early
    /// is not an anomaly); nil until the series has run for a day.
    public func deviation(of value: Double, at timestamp: Double) -> Double? {
        guard timestamp - firstTimestamp >= 86_400 else { return nil }
        let centre = Self.bin(at: timestamp)
        var closest: Double?
        for offset in -1...1 {
            let bin = (centre + offset + Self.bins) % Self.bins
            guard counts[bin] > 0 else { continue }
            let deviation = value - Double(means[bin])
            if closest.map({ abs(deviation) < abs($0) }) ?? true { closest = deviation }
        }
        return closest
    }

    /// Asks for the lines of the bins a sample at `timestamp` reads and writes (see `Prefetch`).
    mutating func prefetch(forSampleAt timestamp: Double) {
        let centre = Self.bin(at: timestamp)
        let bins = max(0, centre - 1)..<min(Self.bins, centre + 2)  // at midnight, the far neighbour is missed
        Prefetch.array(&means, elements: bins)
        Prefetch.array(&counts, elements: bins)
    }

    public mutating func observe(_ value: Double, at timestamp: Double, previous: Double?) {
        guard abs(value) < 1e38 else { return }  // beyond Float: such a value is out of every range anyway
        if firstTimestamp.isNaN { firstTimestamp = timestamp }
        if let previous, timestamp > previous {
            intervals += 1
            meanInterval += (timestamp - previous - meanInterval) / Double(min(intervals, 100))
        }
        let bin = Self.bin(at: timestamp)
        let samplesPerBin = max(Self.binSeconds / max(meanInterval, 1), 1)
        if counts[bin] < UInt16.max { counts[bin] += 1 }
        let weight = max(1 / Double(counts[bin]), 1 / (Self.memoryDays * samplesPerBin))
        means[bin] += Float(weight * (value - Double(means[bin])))
    }
}
