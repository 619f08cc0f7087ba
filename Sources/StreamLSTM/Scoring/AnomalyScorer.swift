import RealModule

/// Settings that turn prediction errors into anomaly scores.
public struct ScorerConfig: Sendable, Hashable, Codable {
    /// Raw score `1 − exp(−e / errorScale)` for an error of `e` standard deviations.
    public var errorScale: Double
    /// Raw scores averaged before the likelihood is taken (NuPIC: 10).
    public var shortWindow: Int
    /// Samples in which the model learns and no error statistics are kept.
    public var learningPeriod: Int
    /// Further samples in which the error distribution is estimated before
    /// any score is reported. Warm-up is the sum of both.
    public var estimationPeriod: Int
    /// Memory of the error distribution, in samples.
    public var distributionTimeConstant: Double
    /// Floors of the fitted distribution (NuPIC: 0.03 and 0.0003), so that a
    /// series that was always predicted perfectly does not page on a tiny blip.
    public var meanFloor: Double
    public var varianceFloor: Double
    /// A value further than this fraction of the range seen so far beyond
    /// its minimum or maximum scores 1; negative turns the rule off.
    public var outOfRangeMargin: Double
    /// Deviations from the prediction smaller than these never score: tiny
    /// changes on flat series page nobody. Zero turns a rule off.
    public var minimumAbsoluteDeviation: Double
    public var minimumRelativeDeviation: Double
    /// Default alert threshold on the score.
    public var threshold: Double
    /// After a score reaches the threshold, later scores are held just
    /// below it until this many samples in a row have stayed under it: one
    /// incident, one detection (NuPIC keeps only the first "red" of a run).
    /// 0 turns the rule off.
    public var refractory: Int

    public init(
        errorScale: Double = 3, shortWindow: Int = 15, learningPeriod: Int = 150, estimationPeriod: Int = 150,
        distributionTimeConstant: Double = 2000, meanFloor: Double = 0.03, varianceFloor: Double = 0.0003,
        outOfRangeMargin: Double = 0.05, minimumAbsoluteDeviation: Double = 0,
        minimumRelativeDeviation: Double = 0, threshold: Double = 0.5, refractory: Int = 50
    ) {
        self.errorScale = errorScale
        self.shortWindow = shortWindow
        self.learningPeriod = learningPeriod
        self.estimationPeriod = estimationPeriod
        self.distributionTimeConstant = distributionTimeConstant
        self.meanFloor = meanFloor
        self.varianceFloor = varianceFloor
        self.outOfRangeMargin = outOfRangeMargin
        self.minimumAbsoluteDeviation = minimumAbsoluteDeviation
        self.minimumRelativeDeviation = minimumRelativeDeviation
        self.threshold = threshold
        self.refractory = refractory
    }

    public var warmUp: Int { learningPeriod + estimationPeriod }

    public var problem: String? {
        if !(errorScale > 0) { return "scorer error scale \(errorScale) is not positive" }
        if shortWindow < 1 || shortWindow > 1000 { return "scorer short window \(shortWindow) is outside 1...1000" }
        if learningPeriod < 0 || estimationPeriod < 1 { return "scorer warm-up periods must be >= 0 and >= 1" }
        if !(distributionTimeConstant >= 1) { return "scorer distribution time constant is below 1 sample" }
        if !(meanFloor >= 0) || !(varianceFloor > 0) { return "scorer floors must be >= 0 (mean) and > 0 (variance)" }
        if !(minimumAbsoluteDeviation >= 0) || !(minimumRelativeDeviation >= 0) {
            return "scorer minimum deviations must be >= 0"
        }
        if !(threshold > 0 && threshold <= 1) { return "scorer threshold \(threshold) is outside (0, 1]" }
        if refractory < 0 || refractory > 1_000_000 { return "scorer refractory \(refractory) is outside 0...1000000" }
        return nil
    }
}

/// Why a sample scored what it did.
public enum AnomalyReason: UInt8, Sendable, Hashable, Codable {
    /// Still warming up: the score is 0.
    case warmingUp = 0
    /// The score is the likelihood of the recent prediction errors.
    case predictionError = 1
    /// The value left the range seen so far by more than the margin.
    case outOfRange = 2
    /// The deviation was below the minimum-deviation rules.
    case belowMinimumDeviation = 3
}

/// One sample's verdict.
public struct AnomalyScore: Sendable, Hashable {
    /// Calibrated score in [0, 1]; alert when it reaches the threshold.
    public var score: Double
    /// Probability that the recent error level is normal for this series, in [0.5, 1].
    public var likelihood: Double
    /// This sample's raw error score in [0, 1).
    public var raw: Double
    public var reason: AnomalyReason

    public var warmingUp: Bool { reason == .warmingUp }
}

/// Turns one series' prediction errors into calibrated anomaly scores, after
/// NuPIC's anomaly likelihood (see `SCORING.md`):
///
/// 1. raw score `1 − exp(−e/scale)` of the error `e` in standard deviations;
/// 2. mean of the last `shortWindow` raw scores;
/// 3. likelihood `L` = the Gaussian probability of an average below this
///    one, the Gaussian fitted to this series' own past averages
///    (exponentially weighted, so it needs no 8,640-value history);
/// 4. score `log(1.0000000001 − L) / log(1e−10)`, so that L = 0.99999 (NuPIC's
///    "red") is 0.5 and thresholds live in a usable range;
/// 5. the out-of-range rule and the minimum-deviation rules on top.
///
/// Unlike NuPIC the tail is one-sided: errors unusually *smaller* than normal
/// are not an anomaly.
public struct AnomalyScorer: Sendable, Hashable {
    public let config: ScorerConfig
    public private(set) var count: Int = 0
    /// The last `shortWindow` raw scores, a ring indexed by `count`.
    private(set) var recentRaw: [Float]
    public private(set) var distributionMean: Double = 0
    public private(set) var distributionVariance: Double = 0
    public private(set) var distributionCount: Int = 0
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity
    /// Samples in a row whose score stayed under the threshold (refractory rule).
    public private(set) var calmSamples: Int = .max

    public init(config: ScorerConfig = ScorerConfig()) {
        self.config = config
        recentRaw = [Float](repeating: 0, count: config.shortWindow)
    }

    init(config: ScorerConfig, count: Int, recentRaw: [Float], distributionMean: Double,
         distributionVariance: Double, distributionCount: Int, minimum: Double, maximum: Double, calmSamples: Int) {
        self.config = config
        self.count = count
        self.recentRaw = recentRaw
        self.distributionMean = distributionMean
        self.distributionVariance = distributionVariance
        self.distributionCount = distributionCount
        self.minimum = minimum
        self.maximum = maximum
        self.calmSamples = calmSamples
    }

    /// Scores one sample: `error` is its prediction error in standard
    /// deviations, `deviation` the same error in the series' own units.
    /// With `learning` false the error distribution is left as it is: an
    /// incident under way must not become the measure of normal.
    public mutating func score(error: Double, value: Double, deviation: Double, predicted: Double,
                               learning: Bool = true) -> AnomalyScore {
        var verdict = unrefractoryScore(error: error, value: value, deviation: deviation, predicted: predicted,
                                        learning: learning)
        guard config.refractory > 0 else { return verdict }
        if verdict.score >= config.threshold {
            if calmSamples < config.refractory { verdict.score = config.threshold.nextDown }
            calmSamples = 0
        } else if calmSamples < .max {
            calmSamples += 1
        }
        return verdict
    }

    private mutating func unrefractoryScore(error: Double, value: Double, deviation: Double, predicted: Double,
                                            learning: Bool) -> AnomalyScore {
        let raw = 1 - Double.exp(-abs(error) / config.errorScale)
        recentRaw[count % config.shortWindow] = Float(raw)
        count += 1
        let filled = min(count, config.shortWindow)
        var sum: Double = 0
        for i in 0..<filled { sum += Double(recentRaw[i]) }
        let average = sum / Double(filled)

        let outOfRange = isOutOfRange(value)
        minimum = min(minimum, value)
        maximum = max(maximum, value)

        if count <= config.learningPeriod {
            return AnomalyScore(score: 0, likelihood: 0.5, raw: raw, reason: .warmingUp)
        }
        let likelihood = self.likelihood(of: average)
        if learning || count <= config.warmUp { observeAverage(average) }
        if count <= config.warmUp {
            return AnomalyScore(score: 0, likelihood: 0.5, raw: raw, reason: .warmingUp)
        }
        let tiny = abs(deviation) < config.minimumAbsoluteDeviation
            || abs(deviation) < config.minimumRelativeDeviation * abs(predicted)
        if tiny {
            return AnomalyScore(score: 0, likelihood: likelihood, raw: raw, reason: .belowMinimumDeviation)
        }
        if outOfRange {
            return AnomalyScore(score: 1, likelihood: likelihood, raw: raw, reason: .outOfRange)
        }
        let score = Double.log(1.000_000_000_1 - likelihood) / Double.log(1e-10)
        return AnomalyScore(score: min(max(score, 0), 1), likelihood: likelihood, raw: raw, reason: .predictionError)
    }

    private func isOutOfRange(_ value: Double) -> Bool {
        guard config.outOfRangeMargin >= 0, minimum <= maximum else { return false }
        let margin = config.outOfRangeMargin * (maximum - minimum)
        return value > maximum + margin || value < minimum - margin
    }

    /// Gaussian probability that a short average is at most `average`.
    private func likelihood(of average: Double) -> Double {
        let mean = max(distributionMean, config.meanFloor)
        let deviation = max(distributionVariance, config.varianceFloor).squareRoot()
        let z = max(0, (average - mean) / deviation)
        return 1 - 0.5 * Double.erfc(z / Double.sqrt(2))
    }

    private mutating func observeAverage(_ average: Double) {
        distributionCount += 1
        let weight = max(1 / Double(distributionCount), 1 / config.distributionTimeConstant)
        let d = average - distributionMean
        distributionMean += weight * d
        distributionVariance = (1 - weight) * (distributionVariance + weight * d * d)
    }
}
