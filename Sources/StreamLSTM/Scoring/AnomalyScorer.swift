import RealModule

/// Settings that turn prediction errors into anomaly scores.
public struct ScorerConfig: Sendable, Hashable, Codable {
    /// Raw score `1 − exp(−e / errorScale)` for an error of `e` scales, in the error likelihood.
    public var errorScale: Double
    /// Raw scores averaged before the likelihood is taken (NuPIC: 10).
    public var shortWindow: Int
    /// Samples before the error likelihood speaks: the errors of a model that
    /// has barely started learning say little about the series.
    public var learningPeriod: Int
    /// Samples before any score is reported. The other tests need only a few
    /// dozen values: their fits start wide and tighten as they fill.
    public var warmUp: Int
    /// Memory of the error distributions, in samples.
    public var distributionTimeConstant: Double
    /// Floors of the likelihood's fitted distribution (NuPIC: 0.03 and 0.0003).
    public var meanFloor: Double
    public var varianceFloor: Double
    /// Weight of the single-error test's surprise (its tail probability is
    /// raised to this power); 0 turns the test off.
    public var spikeSensitivity: Double
    /// Weight of the time-of-day test's surprise; 0 turns the test off.
    public var dailySensitivity: Double
    /// Weight of the level-drift test's surprise; 0 turns the test off.
    public var driftSensitivity: Double
    /// Weight of the stuck-value test's surprise; 0 turns the test off.
    public var stuckSensitivity: Double
    /// Errors (from the forecast, and from the usual value at this time of
    /// day) are measured in a scale that is never below this fraction of the
    /// range of values seen so far, so that a series that was flat for a
    /// while does not make every later wobble infinitely surprising.
    public var residualFloor: Double
    /// A value further than this fraction of the range seen so far beyond
    /// its minimum or maximum is out of range; negative turns the rule off.
    public var outOfRangeMargin: Double
    /// A value further than this many widths of the past week's ordinary range beyond it (incidents
    /// kept apart, see `RecentRange`) is out of range too; negative turns the rule off.
    public var recentRangeMargin: Double
    /// Deviations from the prediction smaller than these never score: tiny
    /// changes on flat series page nobody. Zero turns a rule off.
    public var minimumAbsoluteDeviation: Double
    public var minimumRelativeDeviation: Double
    /// Default alert threshold on the score.
    public var threshold: Double
    /// After a score reaches the threshold, later scores are held just
    /// below it until this many samples in a row have stayed under it: one
    /// incident, one detection (NuPIC keeps only the first "red" of a run).
    /// Never longer than a day at the series' sampling interval
    /// (`AnomalyScorer.refractoryAtMost`). 0 turns the rule off.
    public var refractory: Int
    /// How many samples of an incident the fits learn in full (its first ones); the rest of it they
    /// learn only once it has lasted `AnomalyScorer.incidentBecomesNormalAfter` samples. One incident
    /// then teaches a young series' fits no more than a few normal samples do, so the next incident
    /// is judged against the normal, not against the last incident. 0: every sample in full.
    public var incidentWorth: Int

    public init(
        errorScale: Double = 3, shortWindow: Int = 15, learningPeriod: Int = 150, warmUp: Int = 40,
        distributionTimeConstant: Double = 2000, meanFloor: Double = 0.03, varianceFloor: Double = 0.0003,
        spikeSensitivity: Double = 1.4, dailySensitivity: Double = 1.3, driftSensitivity: Double = 1.5,
        stuckSensitivity: Double = 1, residualFloor: Double = 0.01,
        outOfRangeMargin: Double = 0.05, recentRangeMargin: Double = 2, minimumAbsoluteDeviation: Double = 0,
        minimumRelativeDeviation: Double = 0, threshold: Double = 0.5, refractory: Int = 50,
        incidentWorth: Int = 20
    ) {
        self.errorScale = errorScale
        self.shortWindow = shortWindow
        self.learningPeriod = learningPeriod
        self.warmUp = warmUp
        self.distributionTimeConstant = distributionTimeConstant
        self.meanFloor = meanFloor
        self.varianceFloor = varianceFloor
        self.spikeSensitivity = spikeSensitivity
        self.dailySensitivity = dailySensitivity
        self.driftSensitivity = driftSensitivity
        self.stuckSensitivity = stuckSensitivity
        self.residualFloor = residualFloor
        self.outOfRangeMargin = outOfRangeMargin
        self.recentRangeMargin = recentRangeMargin
        self.minimumAbsoluteDeviation = minimumAbsoluteDeviation
        self.minimumRelativeDeviation = minimumRelativeDeviation
        self.threshold = threshold
        self.refractory = refractory
        self.incidentWorth = incidentWorth
    }

    public var problem: String? {
        if !(errorScale > 0) { return "scorer error scale \(errorScale) is not positive" }
        if shortWindow < 1 || shortWindow > 1000 { return "scorer short window \(shortWindow) is outside 1...1000" }
        if learningPeriod < 0 || warmUp < 0 { return "scorer learning period and warm-up must be >= 0" }
        if !(distributionTimeConstant >= 1) { return "scorer distribution time constant is below 1 sample" }
        if !(meanFloor >= 0) || !(varianceFloor > 0) { return "scorer floors must be >= 0 (mean) and > 0 (variance)" }
        let sensitivities = [spikeSensitivity, dailySensitivity, driftSensitivity, stuckSensitivity]
        if !sensitivities.allSatisfy({ $0 >= 0 && $0 <= 10 }) { return "scorer sensitivities must lie in 0...10" }
        if !(residualFloor >= 0 && residualFloor < 1) { return "scorer residual floor must lie in [0, 1)" }
        if recentRangeMargin.isNaN || recentRangeMargin > 1000 {
            return "scorer recent range margin \(recentRangeMargin) is not a number up to 1000 (negative turns it off)"
        }
        if !(minimumAbsoluteDeviation >= 0) || !(minimumRelativeDeviation >= 0) {
            return "scorer minimum deviations must be >= 0"
        }
        if !(threshold > 0 && threshold < 1) { return "scorer threshold \(threshold) is outside (0, 1)" }
        if refractory < 0 || refractory > 1_000_000 { return "scorer refractory \(refractory) is outside 0...1000000" }
        if incidentWorth < 0 || incidentWorth > 1_000_000 {
            return "scorer incident worth \(incidentWorth) is outside 0...1000000"
        }
        return nil
    }
}

/// Why a sample scored what it did: the test that was most surprised.
public enum AnomalyReason: UInt8, Sendable, Hashable, Codable, CaseIterable {
    /// Still warming up: the score is 0.
    case warmingUp = 0
    /// The recent prediction errors are large for this series (the error likelihood).
    case predictionError = 1
    /// The value left the range seen so far by more than the margin, or the past week's ordinary range
    /// by more than its own margin.
    case outOfRange = 2
    /// The deviation was below the minimum-deviation rules.
    case belowMinimumDeviation = 3
    /// This one prediction error lies far in the tail of the series' errors.
    case spike = 4
    /// The value is unusual for this time of day.
    case timeOfDay = 5
    /// The recent level has drifted far from the long-run level.
    case levelDrift = 6
    /// The value has stopped changing for longer than this series' runs of repeats last.
    case stuck = 7

    /// The name alerts and replay results give it.
    public var name: String {
        switch self {
        case .warmingUp: "warming_up"
        case .predictionError: "prediction_error"
        case .outOfRange: "out_of_range"
        case .belowMinimumDeviation: "below_minimum_deviation"
        case .spike: "spike"
        case .timeOfDay: "time_of_day"
        case .levelDrift: "level_drift"
        case .stuck: "stuck"
        }
    }
}

/// One sample's verdict.
public struct AnomalyScore: Sendable, Hashable {
    /// Calibrated score in [0, 1); alert when it reaches the threshold.
    public var score: Double
    /// `−log10` of the tail probability behind the score (weighted by the
    /// test's sensitivity): 5 is a one-in-100,000 event, the score 0.5.
    public var surprise: Double
    /// This sample's raw error score in [0, 1).
    public var raw: Double
    public var reason: AnomalyReason

    public var warmingUp: Bool { reason == .warmingUp }

    /// The score of a surprise: `s / (s + 5)`. Monotone and never 1, so the
    /// score keeps its resolution at the top: a one-in-10^10 event (0.67) still
    /// ranks below a one-in-10^20 one (0.8), where a clipped score would give
    /// both 1.
    public static func score(surprise: Double) -> Double {
        surprise / (surprise + 5)
    }

    /// The surprise whose score is `score` (the inverse of `score(surprise:)`): 5 at 0.5.
    public static func surprise(score: Double) -> Double {
        5 * score / (1 - score)
    }

    /// The score before any refractory hold: what the sample's surprise alone says.
    public var unheldScore: Double { Self.score(surprise: surprise) }
}

/// Turns one series' values and forecasts into calibrated anomaly scores.
///
/// Each sample is judged by tests that each give a surprise, the `−log10` of
/// a tail probability fitted to the series' own past, and the largest wins:
///
/// - the error likelihood (`ErrorLikelihood`, after NuPIC): the mean of the
///   last few prediction errors, for incidents that raise the errors for a while;
/// - the single error (`TailEstimator` on the error's size), for a spike the
///   short average would dilute; its tail adapts, so a series that is spiky by
///   nature needs a larger spike, and it judges only what the usual value at
///   this hour does not explain, so a nightly job is no spike;
/// - the time of day (`DailyProfile`): the value against the usual value at
///   this hour, for a broken daily cycle that a one-step forecast follows;
/// - the level drift (`LevelDrift`): the recent level against the long-run
///   one, for a slow slide that each one-step forecast follows;
/// - the stuck value (`StuckValue`): a run of repeats longer than this
///   series' own runs, which makes the errors smaller, not larger;
/// - the out-of-range rule: a value beyond the range seen so far by a margin.
///
/// The spike and time-of-day tests are never more surprised than they would be were their statistic
/// Gaussian; the level-drift and out-of-range tests only on a series the forecast follows no better
/// than its mean (`forecastsNoBetterThanTheMean`), whose new extremes and wandering level are chance.
///
/// Errors are measured in a running scale of this series' own errors
/// (`RunningScale`), floored at `residualFloor` of the range seen so far.
/// Values reach the scorer within ±`Predictor.largestValue`, so every square
/// its fits take stays finite without clamps of their own.
/// The score is `s / (s + 5)` (`AnomalyScore.score(surprise:)`), so that the
/// default threshold 0.5 is a one-in-100,000 surprise, NuPIC's "red".
public struct AnomalyScorer: Sendable, Hashable {
    public let config: ScorerConfig
    public private(set) var count: Int = 0
    var errorScale: RunningScale
    var likelihood: ErrorLikelihood
    var errorTail: TailEstimator
    var daily: DailyProfile
    var dailyScale: RunningScale
    var dailyTail: TailEstimator
    var drift: LevelDrift
    var driftTail: TailEstimator
    /// The spike test's view of a value below its forecast as a fraction of the forecast.
    var relativeDrop: RelativeDrop
    var stuck: StuckValue
    public internal(set) var minimum: Double = .infinity
    public internal(set) var maximum: Double = -.infinity
    /// The past week's ordinary range and the last two days' bursts (the recent-range test).
    public internal(set) var recent = RecentRange()
    public private(set) var lastTimestamp: Double?
    /// Samples in a row whose score stayed under the threshold (refractory rule).
    public private(set) var calmSamples: Int = .max
    /// The incident the scorer is in, if any (see `learnsFromIncident`).
    public private(set) var incident = IncidentProgress()
    /// Each test's weight as its user's verdicts set it (see `learn(_:from:to:threshold:)`).
    public internal(set) var gains = SensitivityGains()
    /// What a verdict needs to know of the recent past, none of it kept in a record: the strongest
    /// surprise of each recent block, two copies of the fits (oldest first), and the samples the
    /// incident rule kept from the fits in the latest incident.
    var peaks = SurprisePeaks()
    var fitCopies: [ScorerFits] = []
    var withheld: [WithheldSample] = []
    /// `count` when the newest withheld sample was kept.
    var withheldAt = 0

    /// Memory of the error scales, in samples.
    static let scaleTimeConstant = 1000.0
    /// Samples before the out-of-range rule applies: the next value leaves the range of `n`
    /// exchangeable ones with probability about `2/n`, too often to page on while `n` is small.
    /// (Applying it from sample 40, its surprise scaled by `ln n / ln 300`, was neutral on both
    /// corpora but paged on the demo's clean series in its first 200 samples.)
    static let outOfRangeAfter = 300
    /// An incident ends after this many samples in a row below the alert level (as an alert resolves by default).
    static let incidentEndsAfter = 10
    /// An incident that lasts this long is a new normal, and the fits learn it in full (as training does
    /// by default, `learn_after`).
    static let incidentBecomesNormalAfter = 120
    /// Tail samples' worth of evidence for a light (exponential) tail that the single-error test's
    /// fitted shape must outweigh (`TailEstimator.shapePrior`): an incident's few huge errors no longer
    /// make the error tail heavy and hide the series' next incident. A series with a tail of 5% keeps
    /// 38% of the fitted shape at 1,000 samples and 56% once its fit's memory (2,000) is full. The
    /// spike test only: the same prior on the time-of-day and drift tests paged on a clean daily
    /// cycle in its second day, and lost NAB points. Chosen on NAB's development split and smd_asd
    /// together (80-160 a plateau on both; see the README).
    static let errorTailShapePrior = 80.0
    /// Error sizes up to this many scales are never clipped when the spike test's tail takes them: the
    /// errors' own running scale clips only beyond 6 of itself. (A fit that began on a flat stretch clipped
    /// at 20 of its own near-zero tail scales, so a mostly-zero series' every blip of one quantum, 5.6
    /// scales, stayed a one-in-10^7 error for dozens of blips: `smd_asd`'s `machine-2-1_dim13` paged 29
    /// times for nothing, 14 with the floor.) Chosen on NAB's development split and smd_asd together:
    /// 3-12 a plateau on both (README).
    static let errorTailClipFloor = 6.0
    /// Surprise of a value just out of range; it grows with the distance, up to 40.
    static let outOfRangeSurprise = 10.0
    /// A forecast whose errors are at least this fraction of the values' long-run spread does no better
    /// than the mean (white noise's ratio is 1; an AR(1) series' is at most √(1 − ρ²), 0.9 at ρ = 0.44).
    /// Chosen on NAB's development split and smd_asd together: 0.8-1.0 a plateau on both (README).
    static let unforecastableErrorRatio = 0.9
    /// No test's surprise counts for more: scores stay below 1 and finite.
    static let maximumSurprise = 1000.0
    /// Samples over which a verdict's sensitivity gain fades back to 1: the fits' own memory.
    static let verdictMemory = 2000.0
    /// A copy of the fits is taken every this many samples, and two are kept: a verdict of `anomaly`
    /// reaches from 256 to 512 samples back (a copy is 270 bytes; a series holds two).
    static let fitCopyInterval = 256
    /// Withheld samples are kept this many samples after the last one, for a verdict to teach them.
    static let withheldKeptFor = 1000

    public init(config: ScorerConfig = ScorerConfig()) {
        self.config = config
        errorScale = RunningScale(timeConstant: Self.scaleTimeConstant)
        likelihood = ErrorLikelihood(config: config)
        errorTail = TailEstimator(timeConstant: config.distributionTimeConstant, shapePrior: Self.errorTailShapePrior)
        daily = DailyProfile()
        dailyScale = RunningScale(timeConstant: Self.scaleTimeConstant)
        dailyTail = TailEstimator(timeConstant: config.distributionTimeConstant)
        drift = LevelDrift()
        driftTail = TailEstimator(timeConstant: config.distributionTimeConstant)
        relativeDrop = RelativeDrop(tailTimeConstant: config.distributionTimeConstant)
        stuck = StuckValue()
    }

    /// The scorer with all its parts as they were (a restored record).
    init(
        config: ScorerConfig, count: Int, errorScale: RunningScale, likelihood: ErrorLikelihood,
        errorTail: TailEstimator, daily: DailyProfile, dailyScale: RunningScale, dailyTail: TailEstimator,
        drift: LevelDrift, driftTail: TailEstimator, relativeDrop: RelativeDrop, stuck: StuckValue,
        minimum: Double, maximum: Double, lastTimestamp: Double?, calmSamples: Int, incident: IncidentProgress
    ) {
        self.config = config
        self.count = count
        self.errorScale = errorScale
        self.likelihood = likelihood
        self.errorTail = errorTail
        self.daily = daily
        self.dailyScale = dailyScale
        self.dailyTail = dailyTail
        self.drift = drift
        self.driftTail = driftTail
        self.relativeDrop = relativeDrop
        self.stuck = stuck
        self.minimum = minimum
        self.maximum = maximum
        self.lastTimestamp = lastTimestamp
        self.calmSamples = calmSamples
        self.incident = incident
    }

    /// The range of values seen so far (0 before two values).
    private var range: Double { minimum <= maximum ? maximum - minimum : 0 }

    /// Asks for the lines of its arrays that scoring a sample at `timestamp` reads (see `Prefetch`).
    mutating func prefetch(forSampleAt timestamp: Double) {
        likelihood.prefetch(window: config.shortWindow)
        daily.prefetch(forSampleAt: timestamp)
    }

    /// Scores one sample: `value` at `timestamp`, against the forecast
    /// `predicted` (nil for a series' first sample). `threshold` is where
    /// alerts fire (the refractory rule holds scores under it; by default the
    /// configuration's); a daemon passes its live alert rule, so that a
    /// reload changes both at once.
    ///
    /// The fits learn an incident's first `incidentWorth` samples, then pause
    /// until it has lasted `incidentBecomesNormalAfter` samples and learn it
    /// in full from there (`learnsFromIncident`): a change that lasts becomes
    /// the measure of normal within a few hundred samples, whether or not the
    /// model learns it. (Holding the fits still for a whole alert kept such
    /// alerts firing for thousands of samples and cost 3 to 9 NAB points.)
    ///
    /// `learns` false (a silenced series): the sample is judged, but nothing the scorer fits learns it
    /// (nor the range, the daily profile or the level): what a series shows during maintenance is not
    /// its normal.
    public mutating func score(
        value: Double, predicted: Double?, timestamp: Double,
        threshold: Double? = nil, learns: Bool = true
    ) -> AnomalyScore {
        let threshold = threshold ?? config.threshold
        var verdict = unrefractoryScore(
            value: value, predicted: predicted, timestamp: timestamp, threshold: threshold, learns: learns)
        guard config.refractory > 0 else { return verdict }
        if verdict.score >= threshold {
            if calmSamples < refractorySamples { verdict.score = threshold.nextDown }
            calmSamples = 0
        } else if calmSamples < .max {
            calmSamples += 1
        }
        return verdict
    }

    /// The longest the refractory rule holds scores down: a day. An incident a day after the last one is
    /// another incident whatever the sampling interval; 50 samples of hourly telemetry are two days, and
    /// held down the series' next incident (NAB's and `smd_asd`'s 5- and 1-minute series are unchanged).
    static let refractoryAtMost = 86_400.0

    /// The refractory rule's hold in samples: the configured one, but no more than a day's worth at the
    /// series' mean sampling interval (the configured one until an interval is known).
    var refractorySamples: Int {
        guard daily.meanInterval > 0 else { return config.refractory }
        return min(config.refractory, max(1, Int((Self.refractoryAtMost / daily.meanInterval).rounded())))
    }

    private mutating func unrefractoryScore(
        value: Double, predicted: Double?, timestamp: Double, threshold: Double, learns: Bool
    ) -> AnomalyScore {
        count += 1
        let residual = predicted.map { value - $0 }
        let floor = config.residualFloor * range
        let error = residual.flatMap { errorScale.scaled($0, floor: floor) }
        let dailyDeviation = daily.deviation(of: value, at: timestamp)
        // The single error the spike test judges: what neither the forecast nor the hour explains.
        let spikeError = residual.flatMap {
            errorScale.scaled(Self.unexplainedByTheHour($0, dailyDeviation: dailyDeviation), floor: floor)
        }

        // The tests, each judged on what came before this sample; the fits are told of it after.
        // A test's surprise counts as far as its fits are trusted after the samples they have seen.
        let raw = likelihood.push(error: error)
        var strongest: (surprise: Double, reason: AnomalyReason) = (0, .predictionError)
        // Most tests have seen every sample: their trust is worked out once.
        let trust = Self.confidence(after: count)
        let gains = self.gains
        // Every test's surprise, for the peaks a verdict looks back at.
        var surprises = SIMD8<Float>(repeating: 0)
        // `raisable` false: a user's verdicts may quiet the test, not sharpen it.
        func consider(_ surprise: Double, _ reason: AnomalyReason, trust: Double, raisable: Bool = true) {
            var trusted = gains.isNeutral ? surprise * trust : gains.weigh(surprise * trust, reason)
            if !raisable { trusted = min(trusted, surprise * trust) }
            // A NaN from a degenerate fit counts as no surprise (it would stay a block's peak). A test that
            // judges a sample two ways (the spike test) keeps the larger.
            let slot = Int(reason.rawValue)
            surprises[slot] = max(surprises[slot], trusted.isNaN ? 0 : Float(min(trusted, Self.maximumSurprise)))
            if trusted > strongest.surprise { strongest = (trusted, reason) }
        }
        // The likelihood's distribution is fitted from the end of the warm-up and judged by only
        // after the learning period: a Gaussian fitted to a handful of averages is too narrow.
        if likelihood.count > config.learningPeriod { consider(likelihood.surprise, .predictionError, trust: trust) }
        if let spikeError {
            // The sensitivity sharpens a fitted tail, but no error is more surprising than it would be
            // were the errors Gaussian, the lightest tail there is reason to expect: that keeps errors
            // of 4 scales from paging on a series whose errors are as quiet as noise.
            let fitted = config.spikeSensitivity * errorTail.surprise(abs(spikeError))
            consider(Self.atMostGaussian(fitted, z: abs(spikeError)), .spike, trust: trust)
        }
        // A value below its forecast on a series of positive values is also judged as a fraction of the
        // forecast, outside incidents (`RelativeDrop`). Its fitted tail is not sharpened: sharpened as the
        // spike test's is (1.4), `smd_asd` paged 11% more for 2.7 points, and NAB lost 0.8. A user's
        // verdicts may quiet it but not sharpen it: the spike test's gain is raised by how close its
        // additive view came in a missed window, and raised on this view too it paged a volatile NAB series
        // on ordinary dips (the second halves with the simulated user: 12 false pages became 18).
        let dropFraction = RelativeDrop.fraction(value: value, predicted: predicted, minimum: minimum)
        let dropScaled = dropFraction.flatMap { relativeDrop.scaled($0) }
        if let dropScaled, !incident.isUnderWay {
            consider(
                relativeDrop.surprise(scaled: dropScaled), .spike,
                trust: Self.confidence(after: relativeDrop.scale.count), raisable: false)
        }
        var dailyScaled: Double?
        if let deviation = dailyDeviation {
            if let scaled = dailyScale.scaled(deviation, floor: floor) {
                // Its fits start a day late, so they are trusted after their own samples.
                let weight = dailyWeight(deviationScale: dailyScale.scale(floor: floor), floor: floor)
                // Bounded as the spike test is: a deviation from the usual value at this hour is no more
                // surprising than it would be were those deviations Gaussian. The sensitivity sharpens a
                // fitted tail, and a clean daily cycle (its deviations are its noise) paged on nothing but
                // that noise once a month.
                let fitted = weight * config.dailySensitivity * dailyTail.surprise(abs(scaled))
                consider(
                    Self.atMostGaussian(fitted, z: abs(scaled)), .timeOfDay,
                    trust: Self.confidence(after: dailyScale.count))
                dailyScaled = scaled
            }
        }
        // Whether the forecast does no better than the series' mean (the level-drift and out-of-range tests
        // ask; most samples reach neither, and are spared the square roots).
        var unforecastable: Bool {
            Self.forecastsNoBetterThanTheMean(errorScale: errorScale.scale(floor: floor), drift: drift)
        }
        let driftDistance = drift.distance
        if let distance = driftDistance {
            // On a series its forecast follows no better than its mean, the recent level wanders by chance
            // alone, and its distance is no more surprising than were it Gaussian in its own root mean
            // square (the sensitivity sharpens a fitted tail, and white noise paged on a chance drift
            // every few thousand samples). Elsewhere the fit alone: a series whose values hang together
            // (an anti-correlated one most of all) has a level that moves less than that, and a drift
            // there is news.
            // (A fitted surprise above 0 means a root mean square above 0: the tail starts at twice it.)
            let fitted = config.driftSensitivity * driftTail.surprise(distance)
            let z = fitted > 0 && unforecastable ? distance / driftTail.rootMeanSquare : nil
            consider(Self.atMostGaussian(fitted, z: z), .levelDrift, trust: trust)
        }
        stuck.observe(value, learns: learns)
        consider(config.stuckSensitivity * stuck.surprise, .stuck, trust: trust)
        if count > Self.outOfRangeAfter, let beyond = distanceOutOfRange(value) {
            let rangeSurprise = Self.outOfRangeSurprise * (1 + min(beyond, 3))
            // A series its forecast follows no better than its own mean (white noise: the errors are as
            // large as the values' spread) sets a new extreme every so often by chance: a few times in
            // 10,000 samples. Its value out of range is only a large error, and no more surprising than
            // the spike test's Gaussian bound says.
            let z = unforecastable ? spikeError.map { abs($0) } : nil
            consider(Self.atMostGaussian(rangeSurprise, z: z), .outOfRange, trust: trust)
        }
        // The past week's range speaks long before the whole range does (300 samples are 12.5 days of an
        // hourly series), and after an incident: it keeps incidents apart and forgets.
        // (The day moves on before the sample is judged, learned or not: a silenced series forgets too.)
        if config.recentRangeMargin >= 0 {
            recent.advance(to: timestamp)
            if let beyond = recent.beyond(value, at: timestamp, margin: config.recentRangeMargin) {
                consider(Self.outOfRangeSurprise * (1 + min(beyond, 3)), .outOfRange, trust: trust)
            }
        }

        // The fits learn this sample, unless it is part of an incident they have learned enough of
        // (then it is kept aside for a verdict) or the series is not learning.
        let incidentAllows = learnsFromIncident(
            alertLevel: strongest.surprise >= AnomalyScore.surprise(score: threshold))
        if learns {
            let learned = WithheldSample(
                timestamp: timestamp, residual: residual, spikeError: spikeError,
                shortMean: likelihood.count > config.warmUp ? likelihood.shortMean : .nan,
                dailyDeviation: dailyDeviation, dailyScaled: dailyScaled, driftDistance: driftDistance, floor: floor)
            // The incident has just been advanced: the sample that starts one is not learned either. (Outside
            // an incident the incident rule allows every sample.)
            if let dropFraction, !incident.isUnderWay {
                relativeDrop.learn(dropFraction, scaled: dropScaled)
            }
            if incidentAllows {
                absorb(learned)
            } else {
                withhold(learned)
            }
            daily.observe(value, at: timestamp, previous: lastTimestamp)
            drift.observe(value, floor: floor)
            if config.recentRangeMargin >= 0 { recent.observe(value, at: timestamp, burst: incident.isUnderWay) }
            minimum = min(minimum, value)
            maximum = max(maximum, value)
            if count % Self.fitCopyInterval == 0 { keepCopyOfFits(at: timestamp) }
        }
        lastTimestamp = timestamp
        peaks.note(surprises, at: timestamp)
        if !gains.isNeutral { self.gains.fade(memory: Self.verdictMemory) }
        if !withheld.isEmpty && count - withheldAt > Self.withheldKeptFor { withheld = [] }

        if count <= config.warmUp {
            return AnomalyScore(score: 0, surprise: 0, raw: raw, reason: .warmingUp)
        }
        // The minimum-deviation rules judge the value against its forecast: a stuck value, a broken
        // daily cycle or a drift can come with forecast errors of any size.
        let deviation = abs(residual ?? 0)
        let tiny =
            deviation < config.minimumAbsoluteDeviation
            || deviation < config.minimumRelativeDeviation * abs(predicted ?? value)
        if tiny && Self.judgedByTheForecast(strongest.reason) {
            return AnomalyScore(score: 0, surprise: 0, raw: raw, reason: .belowMinimumDeviation)
        }
        // Nothing counts for more than the cap (a NaN from a degenerate fit never wins in `consider`).
        let surprise = min(strongest.surprise, Self.maximumSurprise)
        return AnomalyScore(
            score: AnomalyScore.score(surprise: surprise), surprise: surprise, raw: raw,
            reason: strongest.reason)
    }

    /// Whether the fits (the error scales, the likelihood's distribution and the tails) learn this
    /// sample, and the incident's progress.
    ///
    /// An incident starts at a sample whose surprise reaches the alert level and ends after
    /// `incidentEndsAfter` samples in a row below it. Its first `incidentWorth` samples are learned
    /// (a burst that recurs is learned, slowly, as the series' normal); the rest are not until it has
    /// lasted `incidentBecomesNormalAfter` samples (a change that lasts is the new normal). The fits
    /// weigh every past sample alike while a series is younger than their time constants, so without
    /// this bound a series' first long incident set its scales and tails for good, and its later
    /// incidents scored far less than the first.
    mutating func learnsFromIncident(alertLevel: Bool) -> Bool {
        // The incident is followed even when it teaches the fits in full: the recent range keeps it apart.
        incident.advance(alertLevel: alertLevel, endsAfter: Self.incidentEndsAfter)
        guard config.incidentWorth > 0 else { return true }
        if incident.samples == 1 && !withheld.isEmpty { withheld = [] }  // a new incident: the last one's are stale
        return incident.samples <= config.incidentWorth || incident.samples > Self.incidentBecomesNormalAfter
    }

    /// How far fits of `n` samples are trusted: `1 − e^(−n/60)` (0.63 at 60,
    /// 0.99 at 300). Fits of a few dozen values are rough; discounting their
    /// surprise makes a new series' bands start wide and tighten as its
    /// statistics fill, so that only a glaring anomaly alerts in its first
    /// hundred samples.
    static func confidence(after n: Int) -> Double {
        // Past 40 time constants 1 − e^−x is 1 exactly in a Double: no exp (and none of libm's slow
        // underflow path, errno and all, which cost as much as a test once e^−x fell below its range).
        guard Double(n) < 40 * confidenceSamples else { return 1 }
        return 1 - Double.exp(-Double(n) / confidenceSamples)
    }

    /// The reasons the minimum-deviation rules apply to (a switch: an array literal here was
    /// allocated at every sample).
    static func judgedByTheForecast(_ reason: AnomalyReason) -> Bool {
        switch reason {
        case .predictionError, .spike, .outOfRange: true
        default: false
        }
    }
    static let confidenceSamples = 60.0

    /// The part of a forecast's `residual` that the usual value at this hour does not explain: the
    /// value's distance from that usual value when it is the smaller (`DailyProfile`, from a series'
    /// second day). A job that runs at the same time every night is a large error for a one-step
    /// forecast and no surprise for the hour, and the spike test judges only what neither expected.
    /// (The errors' average keeps the forecast's own errors: judged on this part too, it lost a NAB
    /// window on two model seeds of three; see the README.)
    static func unexplainedByTheHour(_ residual: Double, dailyDeviation: Double?) -> Double {
        guard let dailyDeviation, abs(dailyDeviation) < abs(residual) else { return residual }
        return dailyDeviation
    }

    /// `−log10 P(|Z| ≥ z)` for a standard normal Z: the surprise of `z` were the statistic Gaussian.
    static func gaussianSurprise(_ z: Double) -> Double {
        -Double.log10(max(Double.erfc(z / Double.sqrt(2)), 1e-300))
    }

    /// A test's `fitted` surprise, but never more than `z` would be were the statistic Gaussian, the
    /// lightest tail there is reason to expect (nil: no bound for this test here). Most samples have no
    /// tail surprise, and are spared the `erfc`.
    static func atMostGaussian(_ fitted: Double, z: Double?) -> Double {
        guard let z, fitted > 0 else { return fitted }
        return min(fitted, gaussianSurprise(z))
    }

    /// How much the time-of-day test may say: all when the usual value at
    /// each hour explains most of the series' spread (the deviations from it
    /// are at most 0.4 of the values' spread about their long-run level),
    /// nothing when it explains little (0.7 or more): a series without a daily
    /// cycle has no usual value for the hour, and every burst would look out of
    /// place. Both spreads clip a distance at 6 scales and are never below
    /// `floor` (1% of the range), so spikes weigh alike in them. (Against the
    /// unclipped standard deviation, a flat series with a spike every night
    /// had its spikes in the spread and not in the deviations, looked like a
    /// clean daily cycle, and paged on every night's spike that came a few
    /// minutes off its usual time: 11 of NAB's 37 false pages, in
    /// `ec2_cpu_utilization_24ae8d` alone.) The spread learns every sample the
    /// level does: none is withheld in an incident, and a verdict does not take
    /// it back.
    private func dailyWeight(deviationScale: Double, floor: Double) -> Double {
        guard let spread = drift.clippedStandardDeviation(floor: floor) else { return 0 }
        return min(max((0.7 - deviationScale / spread) / 0.3, 0), 1)
    }

    /// Whether the forecast's errors (their scale) are as large as the values' own spread, so that the
    /// forecast does no better than the series' mean: its values are as good as independent.
    static func forecastsNoBetterThanTheMean(errorScale: Double, drift: LevelDrift) -> Bool {
        guard let spread = drift.longStandardDeviation else { return false }
        return errorScale >= unforecastableErrorRatio * spread
    }

    /// How far beyond the range seen so far `value` lies, in ranges past the
    /// margin; nil when inside (or the rule is off).
    private func distanceOutOfRange(_ value: Double) -> Double? {
        guard config.outOfRangeMargin >= 0, minimum <= maximum else { return nil }
        let span = maximum - minimum
        let margin = config.outOfRangeMargin * span
        let beyond =
            value > maximum + margin
            ? value - maximum - margin
            : value < minimum - margin ? minimum - margin - value : -1
        guard beyond >= 0 else { return nil }
        return span > 0 ? beyond / span : 3
    }
}

/// Where a series stands in an incident, as its scorer sees it: samples since the first alert-level
/// one (0: in none), and samples in a row below the alert level since the last.
public struct IncidentProgress: Sendable, Hashable {
    public private(set) var samples = 0
    public private(set) var calm = 0

    public init() {}

    init(samples: Int, calm: Int) {
        self.samples = samples
        self.calm = calm
    }

    /// In an incident that has not lasted long enough to be the new normal: its samples are a burst.
    var isUnderWay: Bool { samples > 0 && samples <= AnomalyScorer.incidentBecomesNormalAfter }

    /// One more sample; an incident starts at an alert-level one and ends `endsAfter` calm ones later.
    mutating func advance(alertLevel: Bool, endsAfter: Int) {
        if samples == 0 {
            guard alertLevel else { return }
            (samples, calm) = (1, 0)
            return
        }
        calm = alertLevel ? 0 : calm + 1
        samples = calm >= endsAfter ? 0 : samples + 1
    }
}
