/// Settings of the online normaliser.
public struct NormalizerConfig: Sendable, Hashable, Codable {
    /// Memory of the exponentially weighted statistics, in samples.
    public var timeConstant: Double
    /// An observation moves the statistics as if it lay at most this many
    /// standard deviations from the mean, so one outlier cannot blow them up.
    public var updateClip: Double
    /// After this many consecutive samples beyond `updateClip` on the same
    /// side, the level has shifted: the mean jumps to the new level instead
    /// of crawling towards it at the clipped rate.
    public var shiftPatience: Int
    /// Normalised values given to the model are clipped to ±this, so one
    /// outlier cannot saturate every gate.
    public var inputClip: Double

    public init(timeConstant: Double = 1000, updateClip: Double = 4, shiftPatience: Int = 16, inputClip: Double = 8) {
        self.timeConstant = timeConstant
        self.updateClip = updateClip
        self.shiftPatience = shiftPatience
        self.inputClip = inputClip
    }

    public var problem: String? {
        if !(timeConstant >= 1) { return "normaliser time constant \(timeConstant) is below 1 sample" }
        if !(updateClip > 0) { return "normaliser update clip \(updateClip) is not positive" }
        if shiftPatience < 1 { return "normaliser shift patience \(shiftPatience) is below 1" }
        if !(inputClip > 0) { return "normaliser input clip \(inputClip) is not positive" }
        return nil
    }
}

/// An online estimate of a series' level and spread that survives outliers
/// and level shifts.
///
/// Mean and variance are exponentially weighted with weight `max(1/n, 1/τ)`,
/// so the first samples are an exact running average and later ones a moving
/// one. Once a few dozen samples are in, updates are clipped at `updateClip`
/// standard deviations (a spike moves the estimate by a bounded amount), and a
/// run of `shiftPatience` samples beyond the clip on one side is taken as a
/// level shift and re-centres the mean at once.
public struct Normalizer: Sendable, Hashable {
    public let config: NormalizerConfig
    public private(set) var mean: Double = 0
    public private(set) var variance: Double = 0
    public private(set) var count: Int = 0
    /// Consecutive samples beyond the clip: positive above the mean, negative below.
    public private(set) var outlierRun: Int = 0

    /// Samples before outlier clipping starts: a spread estimated from fewer is too rough to judge by.
    static let clippingStartsAfter = 32

    public init(config: NormalizerConfig = NormalizerConfig()) {
        self.config = config
    }

    init(config: NormalizerConfig, mean: Double, variance: Double, count: Int, outlierRun: Int) {
        self.config = config
        self.mean = mean
        self.variance = variance
        self.count = count
        self.outlierRun = outlierRun
    }

    /// The spread used for scaling; never zero, so a flat series divides safely.
    public var standardDeviation: Double {
        max(variance.squareRoot(), 1e-9 + 1e-6 * abs(mean))
    }

    /// `value` in standard deviations from the mean, clipped to ±`inputClip`.
    public func normalize(_ value: Double) -> Double {
        let z = (value - mean) / standardDeviation
        return min(max(z, -config.inputClip), config.inputClip)
    }

    public func denormalize(_ z: Double) -> Double {
        mean + z * standardDeviation
    }

    public mutating func observe(_ value: Double) {
        count += 1
        if count == 1 {
            mean = value
            return
        }
        var deviation = value - mean
        if count > Self.clippingStartsAfter {
            let limit = config.updateClip * standardDeviation
            if abs(deviation) > limit {
                let side = deviation > 0 ? 1 : -1
                outlierRun = outlierRun * side > 0 ? outlierRun + side : side
                if abs(outlierRun) >= config.shiftPatience {
                    mean = value
                    outlierRun = 0
                    return
                }
                deviation = Double(side) * limit
            } else {
                outlierRun = 0
            }
        }
        let weight = max(1 / Double(count), 1 / config.timeConstant)
        mean += weight * deviation
        variance = (1 - weight) * (variance + weight * deviation * deviation)
    }
}
