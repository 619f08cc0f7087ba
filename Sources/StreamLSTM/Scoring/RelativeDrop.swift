/// The spike test's view of a value below its forecast as a fraction of the forecast, on a series
/// whose values have all been positive.
///
/// Counts and latencies have noise that grows with their level: the errors' running scale is set by
/// the busy hours, and a value at a quarter of its forecast at a quiet hour is a small error in that
/// scale, though no quiet hour has ever read so low. As a fraction of the forecast the noise is about
/// the same at every hour, and such a drop stands out. Only drops are judged this way (a rise is a
/// large error in any scale), and only outside an incident: after a spike the forecast is still high
/// for a sample or two, and the return to the usual level would look like a drop.
///
/// The fraction's scale and its fitted tail learn only samples outside incidents, as the judgement
/// does. 80 bytes a series.
public struct RelativeDrop: Sendable, Hashable {
    /// The running scale of the fractions (`value / predicted − 1`, below the forecast only).
    var scale: RunningScale
    var tail: TailEstimator

    /// No fraction is scaled by less than 1% of the forecast: a series that is forecast to the last
    /// digit (a value stuck at 0.5, predicted 0.500004) would make a rounding a drop of many scales.
    static let scaleFloor = 0.01
    /// Memory of the scale, in samples: the scorer's error scales'.
    static let scaleTimeConstant = AnomalyScorer.scaleTimeConstant

    /// Empty fits; `tailTimeConstant`: the tail's memory (the scorer's `distributionTimeConstant`).
    public init(tailTimeConstant: Double) {
        self.init(
            scale: RunningScale(timeConstant: Self.scaleTimeConstant),
            tail: TailEstimator(timeConstant: tailTimeConstant))
    }

    init(scale: RunningScale, tail: TailEstimator) {
        self.scale = scale
        self.tail = tail
    }

    /// How far below its forecast `value` lies, as a fraction of the forecast (−0.75: a quarter of
    /// it); nil when it is not below, or the series has not been positive throughout (`minimum`: the
    /// smallest value before this one).
    static func fraction(value: Double, predicted: Double?, minimum: Double) -> Double? {
        guard minimum > 0, let predicted, predicted > 0, value < predicted else { return nil }
        return value / predicted - 1
    }

    /// The fraction in scales; nil while too few have been seen.
    func scaled(_ fraction: Double) -> Double? {
        scale.scaled(fraction, floor: Self.scaleFloor)
    }

    /// The surprise of a fraction `scaled` scales below the forecast: its fitted tail's, but never more
    /// than were the fractions Gaussian.
    func surprise(scaled: Double) -> Double {
        AnomalyScorer.atMostGaussian(tail.surprise(abs(scaled)), z: abs(scaled))
    }

    /// Takes a fraction (and its size in scales before it, `scaled`) into the fits.
    mutating func learn(_ fraction: Double, scaled: Double?) {
        scale.observe(fraction, floor: Self.scaleFloor)
        if let scaled { tail.observe(abs(scaled)) }
    }
}
