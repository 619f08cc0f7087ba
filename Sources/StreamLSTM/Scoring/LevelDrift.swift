/// A slow companion to the one-step forecast: how far the recent level of a
/// series (a short exponentially weighted mean, about 8 samples) has moved
/// from its long-run level (about 1,000 samples), in long-run standard
/// deviations. A value that drifts over hours stays close to each one-step
/// forecast, so the prediction errors stay small; this distance grows.
///
/// The distance is judged by a `TailEstimator` of its own past (in the
/// scorer), so a series whose level wanders by nature needs a larger move.
public struct LevelDrift: Sendable, Hashable {
    public private(set) var count: Int = 0
    var recentMean: Double = 0
    var longMean: Double = 0
    var longVariance: Double = 0

    static let recentTimeConstant = 8.0
    static let longTimeConstant = 1000.0
    /// Samples before `distance` answers.
    static let reportsAfter = 30

    public init() {}

    init(count: Int, recentMean: Double, longMean: Double, longVariance: Double) {
        self.count = count
        self.recentMean = recentMean
        self.longMean = longMean
        self.longVariance = longVariance
    }

    /// The long-run standard deviation of the values; nil while too few samples are in.
    public var longStandardDeviation: Double? {
        count >= Self.reportsAfter ? max(longVariance.squareRoot(), 1e-9 + 1e-6 * abs(longMean)) : nil
    }

    /// The recent level's distance from the long-run one, in long-run
    /// standard deviations; nil while too few samples are in.
    public var distance: Double? {
        longStandardDeviation.map { abs(recentMean - longMean) / $0 }
    }

    public mutating func observe(_ value: Double) {
        count += 1
        if count == 1 {
            (recentMean, longMean) = (value, value)
            return
        }
        recentMean += max(1 / Double(count), 1 / Self.recentTimeConstant) * (value - recentMean)
        let weight = max(1 / Double(count), 1 / Self.longTimeConstant)
        let d = value - longMean
        longMean += weight * d
        longVariance = (1 - weight) * (longVariance + weight * d * d)
    }
}
