import RealModule

/// NuPIC's anomaly likelihood on a series' prediction errors, at two time
/// scales: is the recent error level unusual for this series?
///
/// 1. raw score `1 − exp(−e/scale)` of the error `e` in scales (bounded, so
///    one wild error cannot dominate);
/// 2. the mean of the last `shortWindow` raw scores (NuPIC's), for an
///    incident that raises the errors for a few samples, and an exponentially
///    weighted mean over about 64 samples, for one that raises them a little
///    for longer (noise that grows, a rhythm that is lost);
/// 3. for each, the one-sided Gaussian tail under a Gaussian fitted to this
///    series' own past values of that mean, with NuPIC's floors on mean and
///    variance so that a series that was always predicted perfectly does not
///    page on a tiny blip. The larger surprise counts.
///
/// Errors unusually *smaller* than normal are not an anomaly.
public struct ErrorLikelihood: Sendable, Hashable {
    let errorScale: Double
    let timeConstant: Double
    let meanFloor: Double
    let varianceFloor: Double
    public private(set) var count: Int = 0
    /// The last `shortWindow` raw scores, a ring indexed by `count`.
    private(set) var recentRaw: [Float]
    private(set) var sustained: Double = 0
    private(set) var shortFit = GaussianFit()
    private(set) var sustainedFit = GaussianFit()

    /// Memory of the sustained mean, in samples.
    static let sustainedTimeConstant = 64.0

    init(config: ScorerConfig) {
        errorScale = config.errorScale
        timeConstant = config.distributionTimeConstant
        meanFloor = config.meanFloor
        varianceFloor = config.varianceFloor
        recentRaw = [Float](repeating: 0, count: config.shortWindow)
    }

    init(config: ScorerConfig, count: Int, recentRaw: [Float], sustained: Double, shortFit: GaussianFit,
         sustainedFit: GaussianFit) {
        self.init(config: config)
        self.count = count
        self.recentRaw = recentRaw
        self.sustained = sustained
        self.shortFit = shortFit
        self.sustainedFit = sustainedFit
    }

    /// Takes the raw score of `error` (in scales; nil when nothing was
    /// predicted) into both means; returns it.
    mutating func push(error: Double?) -> Double {
        let raw = error.map { 1 - Double.exp(-min(abs($0), 1e6) / errorScale) } ?? 0
        recentRaw[count % recentRaw.count] = Float(raw)
        count += 1
        sustained += max(1 / Double(count), 1 / Self.sustainedTimeConstant) * (raw - sustained)
        return raw
    }

    private var shortMean: Double {
        let filled = min(count, recentRaw.count)
        var sum: Double = 0
        for i in 0..<filled { sum += Double(recentRaw[i]) }
        return filled > 0 ? sum / Double(filled) : 0
    }

    /// `−log10` of the probability of means at least as large as the current ones (the larger of the two).
    var surprise: Double {
        max(shortFit.surprise(of: shortMean, meanFloor: meanFloor, varianceFloor: varianceFloor),
            sustainedFit.surprise(of: sustained, meanFloor: meanFloor, varianceFloor: varianceFloor))
    }

    /// Takes the current means into the fitted distributions.
    mutating func fit() {
        shortFit.fit(shortMean, timeConstant: timeConstant)
        sustainedFit.fit(sustained, timeConstant: timeConstant)
    }
}

/// An exponentially weighted Gaussian fit of a statistic, and the surprise of
/// a value in its upper tail.
public struct GaussianFit: Sendable, Hashable {
    public private(set) var mean: Double = 0
    public private(set) var variance: Double = 0
    public private(set) var fitted: Int = 0

    init() {}

    init(mean: Double, variance: Double, fitted: Int) {
        self.mean = mean
        self.variance = variance
        self.fitted = fitted
    }

    /// `−log10 P(X ≥ x)`, one-sided, with the mean and variance floored.
    func surprise(of x: Double, meanFloor: Double, varianceFloor: Double) -> Double {
        let deviation = max(variance, varianceFloor).squareRoot()
        let z = max(0, (x - max(mean, meanFloor)) / deviation)
        return -Double.log10(max(0.5 * Double.erfc(z / Double.sqrt(2)), 1e-300))
    }

    mutating func fit(_ x: Double, timeConstant: Double) {
        fitted += 1
        let weight = max(1 / Double(fitted), 1 / timeConstant)
        let d = x - mean
        mean += weight * d
        variance = (1 - weight) * (variance + weight * d * d)
    }
}
