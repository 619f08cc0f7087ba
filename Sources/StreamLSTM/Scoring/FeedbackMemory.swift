/// A user's verdict on a stretch of a series: it was normal (a false alert), or it was an anomaly (a
/// confirmed alert, or an incident the detector missed).
public enum Verdict: String, Sendable, Hashable, CaseIterable {
    case normal, anomaly
}

/// How much each test's surprise counts for one series, as its user's verdicts have set it: 1 until a
/// verdict says otherwise, kept within `range`, and fading back to 1 with the fits' memory
/// (`AnomalyScorer.verdictMemory`): a verdict corrects the fits, and the correction lasts as long as
/// the fits remember the stretch it was about.
public struct SensitivityGains: Sendable, Hashable {
    /// One gain per `AnomalyReason` (by its raw value).
    public private(set) var values = SIMD8<Float>(repeating: 1)
    /// Every gain is 1: the common case, which costs one branch a sample.
    public private(set) var isNeutral = true

    /// A quarter keeps an event four times as surprising as a forgiven one paging; four lets a
    /// missed one that was a twentieth of the way to an alert page next time, and no further.
    public static let range: ClosedRange<Float> = 0.25...4

    public init() {}

    /// Gains as stored; nil when any lies outside `range`.
    init?(values: SIMD8<Float>) {
        for index in 0..<8 where !Self.range.contains(values[index]) { return nil }
        self.values = values
        isNeutral = values == SIMD8(repeating: 1)
    }

    public subscript(reason: AnomalyReason) -> Double { Double(values[Int(reason.rawValue)]) }

    /// Sets one gain, within `range`.
    mutating func set(_ reason: AnomalyReason, _ gain: Double) {
        values[Int(reason.rawValue)] = min(max(Float(gain), Self.range.lowerBound), Self.range.upperBound)
        isNeutral = values == SIMD8(repeating: 1)
    }

    /// One sample's fading: every gain moves `1/memory` of its way back to 1; within 0.5% of 1 it is 1.
    mutating func fade(memory: Double) {
        let keep = Float(1 - 1 / memory)
        values = 1 + (values - 1) * keep
        let distance = (values - 1).replacing(with: 1 - values, where: values .< 1)
        if distance.max() < 0.005 {
            values = SIMD8(repeating: 1)
            isNeutral = true
        }
    }
}

/// Each test's strongest surprise in each recent block of samples, for as far back as a verdict
/// usually reaches: a verdict on a stretch asks how close each test came to alerting in it.
struct SurprisePeaks: Sendable, Hashable {
    struct Block: Sendable, Hashable {
        var first: Double
        var last: Double
        /// By `AnomalyReason` raw value.
        var surprises: SIMD8<Float>
        var samples: Int
    }

    /// A ring of `blockCount` blocks; empty until the first sample.
    private(set) var blocks: [Block] = []
    private var newest = 0

    /// 8 blocks of 64 samples: 512 samples back, in 512 bytes.
    static let blockSamples = 64
    static let blockCount = 8

    mutating func note(_ surprises: SIMD8<Float>, at timestamp: Double) {
        if !blocks.isEmpty && blocks[newest].samples < Self.blockSamples {
            blocks[newest].last = timestamp
            blocks[newest].samples += 1
            blocks[newest].surprises = pointwiseMax(blocks[newest].surprises, surprises)
            return
        }
        let block = Block(first: timestamp, last: timestamp, surprises: surprises, samples: 1)
        if blocks.count < Self.blockCount {
            if blocks.isEmpty { blocks.reserveCapacity(Self.blockCount) }
            blocks.append(block)
            newest = blocks.count - 1
        } else {
            newest = (newest + 1) % Self.blockCount
            blocks[newest] = block
        }
    }

    /// Each test's strongest surprise in the blocks that overlap `from...to` (all 0 when none does).
    func strongest(from: Double, to: Double) -> SIMD8<Float> {
        var strongest = SIMD8<Float>(repeating: 0)
        for block in blocks where block.last >= from && block.first <= to {
            strongest = pointwiseMax(strongest, block.surprises)
        }
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
    var error: Double?
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
}
