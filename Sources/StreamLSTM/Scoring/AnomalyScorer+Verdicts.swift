/// What a user's verdict on a stretch of the series does to its scorer.
///
/// - `normal` (a false alert): the fits take in the samples of the stretch that the incident rule kept
///   from them (it keeps all but an incident's first 20, so this matters for verdicts given later
///   than that), and every test that came near the alert level in it forgives what it saw
///   (`SensitivityGains.forgive`): surprises up to that level now reach 80% of the alert level, twice
///   that level counts in full. A recurrence of the same size does not page; a clearly larger one does.
/// - `anomaly`: where the stretch never reached the alert level (a missed incident, which the fits
///   learned in full), the fits go back to a copy taken before it, and the tests that came at least
///   half as close as the closest count for more, so that the stretch would have reached 150% of the
///   alert level (a recurrence is seldom as surprising as the one marked). A confirmed alert makes
///   its tests forget what they had forgiven.
///
/// Every change fades back to neutral over `verdictMemory` samples. What a verdict needs of the
/// past (the peaks, the copies of the fits, the withheld samples) reaches about 500 samples back and
/// is not kept in a record: after a restart, a verdict on a stretch before it changes only the
/// sensitivities. The settings were chosen with `replay --simulated-user` on both corpora at once
/// (README, "Feedback").
extension AnomalyScorer {
    /// Applies a verdict on the samples stamped `from...to`; `threshold` is where alerts fire.
    public mutating func learn(_ verdict: Verdict, from: Double, to: Double, threshold: Double? = nil)
        -> VerdictEffect
    {
        let alertLevel = Float(AnomalyScore.surprise(score: threshold ?? config.threshold))
        let peaks = self.peaks.strongest(from: from, to: to)
        var effect = VerdictEffect()
        switch verdict {
        case .normal:
            let taught = withheld.filter { $0.timestamp >= from && $0.timestamp <= to }
            for sample in taught { absorb(sample) }
            withheld.removeAll { $0.timestamp >= from && $0.timestamp <= to }
            effect.samples = taught.count
            // Every test that came near the alert level forgives what it saw.
            for reason in AnomalyReason.allCases where peaks[Int(reason.rawValue)] > Self.forgivenTarget * alertLevel {
                let peak = peaks[Int(reason.rawValue)]
                let scale = Double(Self.forgivenTarget * alertLevel / peak)
                gains.forgive(reason, level: Double(peak), scale: scale)
                effect.sensitivity[reason] = max(scale, Double(SensitivityGains.scaleRange.lowerBound))
            }
        case .anomaly:
            withheld.removeAll { $0.timestamp >= from && $0.timestamp <= to }
            // A missed incident was learned in full: the fits go back to before it. A confirmed alert's
            // incident was learned for its first `incidentWorth` samples only, and going back cost more
            // than it gave (the copy is up to 512 samples old: NAB's second halves +6 false onsets).
            // The newest copy from before the stretch, or, for a stretch that began before the oldest
            // copy, that copy if the stretch goes on past it (it holds part of the stretch); a stretch
            // wholly older than both copies leaves the fits alone.
            let missed = peaks.max() < alertLevel
            let copy =
                fitCopies.last(where: { $0.timestamp < from })
                ?? fitCopies.first.flatMap { $0.timestamp < to ? $0 : nil }
            if missed, let copy {
                effect.fitsFromBeforeTheStretch = copy.timestamp < from
                effect.samples = count - copy.samples
                fits = copy
            }
            let closest = peaks.max()
            guard closest > 0 else { break }
            // Missed: every test that came at least half as close as the closest counts for more, so that
            // the stretch would have reached `missedTarget` times the alert level. Confirmed: what the
            // tests had forgiven is forgotten.
            for reason in AnomalyReason.allCases where peaks[Int(reason.rawValue)] >= 0.5 * closest {
                if closest < alertLevel {
                    gains.raise(reason, to: gains[reason] * Double(Self.missedTarget * alertLevel / closest))
                } else {
                    gains.unforgive(reason)
                }
                effect.sensitivity[reason] = gains[reason]
            }
        }
        return effect
    }

    /// Bytes of what verdicts look back at (the peaks, the copies of the fits, the withheld samples),
    /// with their array headers.
    var verdictMemoryBytes: Int {
        let header = 32
        return peaks.blocks.capacity * MemoryLayout<SurprisePeaks.Block>.stride + header
            + fitCopies.capacity * MemoryLayout<ScorerFits>.stride + header
            + withheld.capacity * MemoryLayout<WithheldSample>.stride + header
    }

    /// How far past the alert level a missed stretch's verdict lifts it.
    static let missedTarget: Float = 1.5
    /// Where a stretch marked normal leaves the tests that came near the alert level: at 80% of it.
    static let forgivenTarget: Float = 0.8

    /// The fits as they stand.
    var fits: ScorerFits {
        get {
            ScorerFits(
                errorScale: errorScale, likelihoodFit: likelihood.fit, errorTail: errorTail, dailyScale: dailyScale,
                dailyTail: dailyTail, driftTail: driftTail, relativeDrop: relativeDrop, minimum: minimum,
                maximum: maximum,
                timestamp: lastTimestamp ?? -.infinity, samples: count)
        }
        set {
            errorScale = newValue.errorScale
            likelihood.restore(newValue.likelihoodFit)
            errorTail = newValue.errorTail
            dailyScale = newValue.dailyScale
            dailyTail = newValue.dailyTail
            driftTail = newValue.driftTail
            relativeDrop = newValue.relativeDrop
            minimum = newValue.minimum
            maximum = newValue.maximum
        }
    }

    /// Takes a copy of the fits after the sample at `timestamp`; the older of the two goes.
    mutating func keepCopyOfFits(at timestamp: Double) {
        var copy = fits
        copy.timestamp = timestamp
        copy.samples = count
        if fitCopies.count < 2 {
            fitCopies.append(copy)
        } else {
            fitCopies[0] = fitCopies[1]
            fitCopies[1] = copy
        }
    }

    /// The fits learn one sample.
    mutating func absorb(_ sample: WithheldSample) {
        if let residual = sample.residual { errorScale.observe(residual, floor: sample.floor) }
        if !sample.shortMean.isNaN { likelihood.fit(mean: sample.shortMean) }
        if let error = sample.spikeError { errorTail.observe(abs(error), clipFloor: Self.errorTailClipFloor) }
        if let deviation = sample.dailyDeviation {
            if let scaled = sample.dailyScaled { dailyTail.observe(abs(scaled)) }
            dailyScale.observe(deviation, floor: sample.floor)
        }
        if let distance = sample.driftDistance { driftTail.observe(distance) }
    }

    /// Keeps a sample the incident rule kept from the fits, for a verdict (at most one incident's worth).
    mutating func withhold(_ sample: WithheldSample) {
        guard withheld.count < Self.incidentBecomesNormalAfter else { return }
        withheld.append(sample)
        withheldAt = count
    }
}
