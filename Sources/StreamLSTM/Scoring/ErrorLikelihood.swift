import RealModule

/// NuPIC's anomaly likelihood on a series' prediction errors: is the recent
/// error level unusual for this series?
///
/// 1. raw score `1 − exp(−e/scale)` of the error `e` in scales (bounded, so
///    one wild error cannot dominate);
/// 2. the mean of the last `shortWindow` raw scores;
/// 3. the one-sided Gaussian tail of that mean under a Gaussian fitted to
///    this series' own past means, with NuPIC's floors on mean and variance
///    so that a series that was always predicted perfectly does not page on
///    a tiny blip. (A second, 64-sample mean beside it changed neither
///    corpus' score by more than 0.3 and was left out.)
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
    private(set) var fit = GaussianFit()

    init(config: ScorerConfig) {
        errorScale = config.errorScale
        timeConstant = config.distributionTimeConstant
        meanFloor = config.meanFloor
        varianceFloor = config.varianceFloor
        recentRaw = [Float](repeating: 0, count: config.shortWindow)
    }

    init(config: ScorerConfig, count: Int, recentRaw: [Float], fit: GaussianFit) {
        self.init(config: config)
        self.count = count
        self.recentRaw = recentRaw
        self.fit = fit
    }

    /// Takes the raw score of `error` (in scales; nil when nothing was
    /// predicted) into the short window; returns it.
    mutating func push(error: Double?) -> Double {
        let raw = error.map { 1 - Double.exp(-abs($0) / errorScale) } ?? 0
        recentRaw[count % recentRaw.count] = Float(raw)
        count += 1
        return raw
    }

    /// Asks for the short window's lines (see `Prefetch`); `window`: its length, which the caller
    /// knows without reading the window's own header.
    mutating func prefetch(window: Int) {
        Prefetch.array(&recentRaw, elements: 0..<window)
    }

    var shortMean: Double {
        let filled = min(count, recentRaw.count)
        var sum: Double = 0
        for i in 0..<filled { sum += Double(recentRaw[i]) }
        return filled > 0 ? sum / Double(filled) : 0
    }

    /// `−log10` of the probability of a short-window mean at least as large as the current one.
    var surprise: Double {
        fit.surprise(of: shortMean, meanFloor: meanFloor, varianceFloor: varianceFloor)
    }

    /// Takes the current short-window mean into the fitted distribution.
    mutating func fitMean() {
        fit.fit(shortMean, timeConstant: timeConstant)
    }

    /// Takes an earlier short-window mean into the fitted distribution (a verdict teaching a stretch).
    mutating func fit(mean: Double) {
        fit.fit(mean, timeConstant: timeConstant)
    }

    /// Goes back to an earlier fit (a verdict taking a stretch out).
    mutating func restore(_ earlier: GaussianFit) {
        fit = earlier
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
        // At or below the mean (half the samples) the answer is always the same: no erfc, no log.
        guard z > 0 else { return Self.surpriseAtTheMean }
        return -Double.log10(max(0.5 * Double.erfc(z / Double.sqrt(2)), 1e-300))
    }

    /// What `surprise` computes at z = 0, computed the same way.
    static let surpriseAtTheMean = -Double.log10(max(0.5 * Double.erfc(0 / Double.sqrt(2)), 1e-300))

    mutating func fit(_ x: Double, timeConstant: Double) {
        fitted += 1
        let weight = max(1 / Double(fitted), 1 / timeConstant)
        let d = x - mean
        mean += weight * d
        variance = (1 - weight) * (variance + weight * d * d)
    }
}
