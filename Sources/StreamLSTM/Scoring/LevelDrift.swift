/// A slow companion to the one-step forecast: how far the recent level of a
/// series (a short exponentially weighted mean, about 8 samples) has moved
/// from its long-run level (about 1,000 samples), in long-run standard
/// deviations. A value that drifts over hours stays close to each one-step
/// forecast, so the prediction errors stay small; this distance grows.
///
/// The distance is judged by a `TailEstimator` of its own past (in the
/// scorer), so a series whose level wanders by nature needs a larger move.
///
/// Beside the long-run standard deviation it keeps the values' spread about
/// the long-run level with each distance clipped at 6 of its scales, as the
/// scorer's other scales are: a spike a night is most of the one and almost
/// none of the other (the time-of-day test weighs its deviations against the
/// clipped one).
public struct LevelDrift: Sendable, Hashable {
    public private(set) var count: Int = 0
    var recentMean: Double = 0
    var longMean: Double = 0
    var longVariance: Double = 0
    /// The values' distance from the long-run level (before each sample moves it), clipped at 6 scales.
    var clippedSpread = RunningScale(timeConstant: Self.longTimeConstant)

    static let recentTimeConstant = 8.0
    static let longTimeConstant = 1000.0
    /// Samples before `distance` answers.
    static let reportsAfter = 30

    public init() {}

    init(count: Int, recentMean: Double, longMean: Double, longVariance: Double, clippedSpread: RunningScale) {
        self.count = count
        self.recentMean = recentMean
        self.longMean = longMean
        self.longVariance = longVariance
        self.clippedSpread = clippedSpread
    }

    /// The long-run standard deviation of the values; nil while too few samples are in.
    public var longStandardDeviation: Double? {
        count >= Self.reportsAfter ? max(longVariance.squareRoot(), 1e-9 + 1e-6 * abs(longMean)) : nil
    }

    /// The values' spread about the long-run level, each distance clipped at 6 of its scales and the
    /// scale never below `floor`; nil while too few samples are in.
    public func clippedStandardDeviation(floor: Double) -> Double? {
        count >= Self.reportsAfter ? clippedSpread.scale(floor: floor) : nil
    }

    /// The recent level's distance from the long-run one, in long-run
    /// standard deviations; nil while too few samples are in.
    public var distance: Double? {
        longStandardDeviation.map { abs(recentMean - longMean) / $0 }
    }

    /// Takes a value in; `floor` is the least scale the clipped spread clips at (the scorer's residual floor).
    public mutating func observe(_ value: Double, floor: Double = 0) {
        count += 1
        if count == 1 {
            (recentMean, longMean) = (value, value)
            return
        }
        clippedSpread.observe(value - longMean, floor: floor)
        recentMean += max(1 / Double(count), 1 / Self.recentTimeConstant) * (value - recentMean)
        let weight = max(1 / Double(count), 1 / Self.longTimeConstant)
        let d = value - longMean
        longMean += weight * d
        longVariance = (1 - weight) * (longVariance + weight * d * d)
    }
}
