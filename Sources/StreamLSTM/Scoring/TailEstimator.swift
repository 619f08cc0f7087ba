import RealModule

/// How surprising a non-negative statistic is against its own past: the
/// surprise `−log10 P(X ≥ x)`, with the upper tail fitted online.
///
/// Peaks over threshold (as in extreme value theory): values above
/// `u = 2 · rms(past)` are the tail. The tail's rate and a generalised Pareto
/// distribution of the excesses over `u` (shape ξ and scale σ by the method
/// of moments) are exponentially weighted averages, so the estimate follows a
/// series whose behaviour drifts. ξ is kept in [0, 0.45]: 0 is an
/// exponential tail (Gaussian-like errors), larger values a heavier tail, so
/// a series whose errors often jump far needs a larger jump to surprise.
/// With a `shapePrior`, ξ is shrunk towards 0 by its evidence,
/// `n / (n + shapePrior)` with `n` the tail samples in the fit's memory: the
/// method of moments reads an incident's handful of huge values as a heavy
/// tail (ξ at its cap), and that tail then hides the next incident. A
/// penalised fit of the Pareto shape pulls ξ towards 0 in the same way.
/// Updates are clipped 20 σ beyond `u`, but never below the caller's
/// `clipFloor`: one wild value moves the fit by a bounded amount, and a fit
/// that began on a flat stretch (σ and `u` near 0) still learns the values
/// that come after it, where a clip at 20 of its σ took each as barely
/// above its threshold.
public struct TailEstimator: Sendable, Hashable {
    /// Memory of the averages, in samples.
    public let timeConstant: Double
    /// Tail samples' worth of evidence for an exponential tail (ξ = 0) that the fitted shape must outweigh;
    /// 0 takes the fitted shape as it is.
    public let shapePrior: Double
    public private(set) var count: Int = 0
    var meanSquare: Double = 0
    /// Fraction of samples above `u`.
    var tailRate: Double = Self.priorTailRate
    /// Exponentially weighted sums of the tail's indicator, excess and squared excess.
    var tailWeight: Double = 0
    var excessMean: Double = 0
    var excessSquare: Double = 0

    /// Samples before any surprise is reported: the fit needs a few.
    static let reportsAfter = 20
    /// `u` in multiples of the root mean square of the statistic.
    static let thresholdInRMS = 2.0
    /// The tail rate before data says otherwise (a Gaussian's beyond 2 RMS is 0.046).
    static let priorTailRate = 0.05
    static let shapeRange = 0.0...0.45
    static let updateClipInScales = 20.0

    public init(timeConstant: Double, shapePrior: Double = 0) {
        self.timeConstant = timeConstant
        self.shapePrior = shapePrior
    }

    init(
        timeConstant: Double, count: Int, meanSquare: Double, tailRate: Double, tailWeight: Double,
        excessMean: Double, excessSquare: Double, shapePrior: Double = 0
    ) {
        self.timeConstant = timeConstant
        self.shapePrior = shapePrior
        self.count = count
        self.meanSquare = meanSquare
        self.tailRate = tailRate
        self.tailWeight = tailWeight
        self.excessMean = excessMean
        self.excessSquare = excessSquare
    }

    /// The root mean square of the values observed so far (clipped as the fit takes them).
    var rootMeanSquare: Double { meanSquare.squareRoot() }

    private var threshold: Double { Self.thresholdInRMS * rootMeanSquare }

    /// Shape ξ and scale σ of the excesses over the threshold.
    private var tail: (shape: Double, scale: Double) {
        guard tailWeight > 1e-12 else { return (0, max(0.25 * threshold, 1e-12)) }
        let mean = excessMean / tailWeight
        let variance = max(excessSquare / tailWeight - mean * mean, 1e-24)
        let fitted = min(
            max(0.5 * (1 - mean * mean / variance), Self.shapeRange.lowerBound),
            Self.shapeRange.upperBound)
        guard shapePrior > 0 else { return (fitted, max(mean * (1 - fitted), 1e-12)) }
        let evidence = tailWeight * min(Double(count), timeConstant)
        let shape = fitted * evidence / (evidence + shapePrior)
        return (shape, max(mean * (1 - shape), 1e-12))
    }

    /// `−log10 P(X ≥ x)` under the fit of the values observed so far; 0 at or
    /// below the threshold and until the fit has `reportsAfter` values.
    public func surprise(_ x: Double) -> Double {
        let u = threshold
        guard count >= Self.reportsAfter, u > 0, x > u else { return 0 }
        let (shape, scale) = tail
        let excess = (x - u) / scale
        // ln of the Pareto survival (1 + ξ y/σ)^(−1/ξ), or e^(−y/σ) at ξ = 0.
        let logSurvival = shape > 1e-6 ? -Double.log(onePlus: shape * excess) / shape : -excess
        return -(Double.log10(max(tailRate, 1e-6)) + logSurvival / Double.log(10))
    }

    /// Takes a value into the fit; values up to `clipFloor` are never clipped.
    public mutating func observe(_ x: Double, clipFloor: Double = 0) {
        let u = threshold
        let clipped =
            count >= Self.reportsAfter ? min(x, max(u + Self.updateClipInScales * tail.scale, clipFloor)) : x
        count += 1
        let weight = max(1 / Double(count), 1 / timeConstant)
        meanSquare += weight * (clipped * clipped - meanSquare)
        let above = x > u
        let excess = above ? clipped - u : 0
        tailRate += weight * ((above ? 1 : 0) - tailRate)
        tailWeight += weight * ((above ? 1 : 0) - tailWeight)
        excessMean += weight * (excess - excessMean)
        excessSquare += weight * (excess * excess - excessSquare)
    }
}
