/// A user's verdict on a stretch of a series: it was normal (a false alert), or it was an anomaly (a
/// confirmed alert, or an incident the detector missed).
public enum Verdict: String, Sendable, Hashable, CaseIterable {
    case normal, anomaly
}

/// How much each test's surprise counts for one series, as its user's verdicts have set it, and
/// fading back to neutral with the fits' memory (`AnomalyScorer.verdictMemory`): a verdict corrects
/// the fits, and the correction lasts as long as the fits remember the stretch it was about.
///
/// - A test can count for more (`raise`, a missed incident): its surprise is multiplied by a gain
///   in `1...4`.
/// - A test can forgive a level (`forgive`, a false alert): surprises up to the forgiven level are
///   multiplied by a scale below 1 (at least a quarter), surprises past twice the level count in
///   full, and the scale rises linearly between: what was forgiven and its like stay quiet, a clearly
///   larger event still pages. (Scaling every surprise of the test instead cost recall on both
///   corpora: real incidents that the forgiven test would have found stayed quiet.)
public struct SensitivityGains: Sendable, Hashable {
    /// Per `AnomalyReason` (by its raw value): the gain, the forgiven level (0: none) and its scale.
    public private(set) var gains = SIMD8<Float>(repeating: 1)
    public private(set) var forgiven = SIMD8<Float>(repeating: 0)
    public private(set) var forgivenScale = SIMD8<Float>(repeating: 1)
    /// Nothing set: the common case, which costs one branch a sample.
    public private(set) var isNeutral = true

    public static let gainRange: ClosedRange<Float> = 1...4
    public static let scaleRange: ClosedRange<Float> = 0.25...1

    public init() {}

    /// As stored; nil when a value lies outside its range.
    init?(gains: SIMD8<Float>, forgiven: SIMD8<Float>, forgivenScale: SIMD8<Float>) {
        for index in 0..<8 {
            guard Self.gainRange.contains(gains[index]), Self.scaleRange.contains(forgivenScale[index]),
                forgiven[index] >= 0, forgiven[index].isFinite
            else { return nil }
        }
        (self.gains, self.forgiven, self.forgivenScale) = (gains, forgiven, forgivenScale)
        updateNeutral()
    }

    public subscript(reason: AnomalyReason) -> Double { Double(gains[Int(reason.rawValue)]) }

    /// A surprise of the test behind `reason` as the verdicts weigh it.
    @inline(__always)
    func weigh(_ surprise: Double, _ reason: AnomalyReason) -> Double {
        let index = Int(reason.rawValue)
        let raised = surprise * Double(gains[index])
        let level = Double(forgiven[index])
        guard level > 0, raised < 2 * level else { return raised }
        let scale = Double(forgivenScale[index])
        return raised * (raised <= level ? scale : scale + (1 - scale) * (raised - level) / level)
    }

    /// Makes a test count for more: its gain becomes at least `gain` (within `gainRange`), and
    /// anything it had forgiven is forgotten.
    mutating func raise(_ reason: AnomalyReason, to gain: Double) {
        let index = Int(reason.rawValue)
        gains[index] = min(max(Float(gain), gains[index]), Self.gainRange.upperBound)
        (forgiven[index], forgivenScale[index]) = (0, 1)
        updateNeutral()
    }

    /// Makes a test forgive surprises up to `level`, scaled by `scale` (within `scaleRange`); a
    /// larger level or a smaller scale than one forgiven already wins.
    mutating func forgive(_ reason: AnomalyReason, level: Double, scale: Double) {
        let index = Int(reason.rawValue)
        forgiven[index] = max(forgiven[index], Float(level))
        forgivenScale[index] = min(max(Float(scale), Self.scaleRange.lowerBound), forgivenScale[index])
        updateNeutral()
    }

    /// Forgets what a test had forgiven (a confirmed incident of it).
    mutating func unforgive(_ reason: AnomalyReason) {
        let index = Int(reason.rawValue)
        (forgiven[index], forgivenScale[index]) = (0, 1)
        updateNeutral()
    }

    /// One sample's fading: every gain and scale moves `1/memory` of its way back to 1; once all are
    /// within 0.5% of 1, everything is neutral again.
    mutating func fade(memory: Double) {
        let keep = Float(1 - 1 / memory)
        gains = 1 + (gains - 1) * keep
        forgivenScale = 1 - (1 - forgivenScale) * keep
        if (gains - 1).max() < 0.005 && (1 - forgivenScale).max() < 0.005 { self = SensitivityGains() }
    }

    private mutating func updateNeutral() {
        isNeutral = gains == SIMD8(repeating: 1) && forgivenScale == SIMD8(repeating: 1)
    }
}

/// Each test's strongest surprise in each recent block of samples, for as far back as a verdict
/// usually reaches: a verdict on a stretch asks how close each test came to alerting in it. The block
/// being filled is held inline (a step writes a few fields, no array); a full one joins a ring.
struct SurprisePeaks: Sendable, Hashable {
    struct Block: Sendable, Hashable {
        var first: Double
        var last: Double
        /// By `AnomalyReason` raw value.
        var surprises: SIMD8<Float>
        var samples: Int
    }

    /// The block being filled (`samples` 0: none yet).
    private var first = 0.0
    private var last = 0.0
    private var surprises = SIMD8<Float>(repeating: 0)
    private var samples = 0
    /// Full blocks, a ring of `blockCount − 1`; empty until the first is full.
    private(set) var blocks: [Block] = []
    private var newest = 0

    /// 8 blocks of 64 samples: 512 samples back, in 512 bytes.
    static let blockSamples = 64
    static let blockCount = 8

    @inline(__always)
    mutating func note(_ sample: SIMD8<Float>, at timestamp: Double) {
        if samples == Self.blockSamples { closeBlock() }
        if samples == 0 { first = timestamp }
        last = timestamp
        samples += 1
        surprises = pointwiseMax(surprises, sample)
    }

    private mutating func closeBlock() {
        let block = Block(first: first, last: last, surprises: surprises, samples: samples)
        if blocks.count < Self.blockCount - 1 {
            if blocks.isEmpty { blocks.reserveCapacity(Self.blockCount - 1) }
            blocks.append(block)
            newest = blocks.count - 1
        } else {
            newest = (newest + 1) % (Self.blockCount - 1)
            blocks[newest] = block
        }
        (samples, surprises) = (0, SIMD8(repeating: 0))
    }

    /// Each test's strongest surprise in the blocks that overlap `from...to` (all 0 when none does).
    func strongest(from: Double, to: Double) -> SIMD8<Float> {
        var strongest = SIMD8<Float>(repeating: 0)
        for block in blocks where block.last >= from && block.first <= to {
            strongest = pointwiseMax(strongest, block.surprises)
        }
        if samples > 0 && last >= from && first <= to { strongest = pointwiseMax(strongest, surprises) }
        return strongest
    }
}

/// The fitted statistics of a scorer that learning changes: what a verdict of `anomaly` takes a
/// stretch back out of, by going back to a copy taken before it.
struct ScorerFits: Sendable, Hashable {
    var errorScale: RunningScale
    var likelihoodFit: GaussianFit
    var errorTail: TailEstimator
    var dailyScale: RunningScale
    var dailyTail: TailEstimator
    var driftTail: TailEstimator
    var relativeDrop: RelativeDrop
    var minimum: Double
    var maximum: Double
    /// The newest sample these fits have seen, and the scorer's count then.
    var timestamp: Double
    var samples: Int
}

/// What the fits would have learned from a sample that the incident rule kept from them: a verdict of
/// `normal` on the stretch teaches it to them after all.
struct WithheldSample: Sendable, Hashable {
    var timestamp: Double
    var residual: Double?
    /// The error the spike test judged (`AnomalyScorer.unexplainedByTheHour`), in scales.
    var spikeError: Double?
    var shortMean: Double
    var dailyDeviation: Double?
    var dailyScaled: Double?
    var driftDistance: Double?
    var floor: Double
}

/// What a verdict changed in a scorer.
public struct VerdictEffect: Sendable, Hashable {
    /// Samples the fits took in (`normal`: those an incident had kept from them) or gave back (`anomaly`: the
    /// samples from the copy of the fits it went back to until the verdict).
    public var samples = 0
    /// Whether the fits went back to a copy taken before the stretch began (false: the stretch began
    /// before the oldest copy, which was taken instead, or there was none).
    public var fitsFromBeforeTheStretch = false
    /// The tests whose sensitivity changed, with their gains now.
    public var sensitivity: [AnomalyReason: Double] = [:]

    public init() {}
}
