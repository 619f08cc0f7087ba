/// What a user's verdict on a stretch of the series does to its scorer.
///
/// - `normal` (a false alert): the fits take in the samples of the stretch that the incident rule kept
///   from them, and every test that came near the alert level in it counts for less
///   (`SensitivityGains`), so that its strongest surprise there would now stay at 80% of the alert level. A recurrence of the same size does
///   not page; one clearly larger (the gain is at least a quarter) still does.
/// - `anomaly`: the fits go back to a copy taken before the stretch began (they must not learn an
///   incident as normal), and where the stretch never reached the alert level (a missed incident),
///   the tests that came closest count for more, so that the stretch would have reached 150% of it
///   (a recurrence is seldom as surprising as the one marked).
///   A confirmed alert undoes any lowering of its test's sensitivity.
///
/// Gains fade back to 1 over `verdictMemory` samples. What a verdict needs of the past (the peaks,
/// the copies of the fits, the withheld samples) reaches about 500 samples back and is not kept in a
/// record: after a restart, a verdict on a stretch before it changes only the sensitivity.
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
            // Every test that came near the alert level counts for less, so that none of them would now.
            for reason in AnomalyReason.allCases where peaks[Int(reason.rawValue)] > 0.8 * alertLevel {
                let gain = gains[reason] * Double(0.8 * alertLevel / peaks[Int(reason.rawValue)])
                gains.set(reason, min(gain, gains[reason]))
                effect.sensitivity[reason] = gains[reason]
            }
        case .anomaly:
            withheld.removeAll { $0.timestamp >= from && $0.timestamp <= to }
            if let copy = fitCopies.last(where: { $0.timestamp < from }) ?? fitCopies.first {
                effect.fitsFromBeforeTheStretch = copy.timestamp < from
                effect.samples = count - copy.samples
                fits = copy
            }
            let closest = peaks.max()
            guard closest > 0 else { break }
            // Missed: every test that came at least half as close as the closest counts for more, so that
            // the stretch would have reached `missedTarget` times the alert level. Confirmed: a
            // sensitivity that earlier verdicts lowered is restored.
            let factor = closest < alertLevel ? Double(Self.missedTarget * alertLevel / closest) : 1
            for reason in AnomalyReason.allCases where peaks[Int(reason.rawValue)] >= 0.5 * closest {
                gains.set(reason, max(gains[reason] * factor, closest < alertLevel ? gains[reason] : 1))
                effect.sensitivity[reason] = gains[reason]
            }
        }
        return effect
    }

    /// How far past the alert level a missed stretch's verdict lifts it.
    static let missedTarget: Float = 1.5

    /// The fits as they stand.
    var fits: ScorerFits {
        get {
            ScorerFits(
                errorScale: errorScale, likelihoodFit: likelihood.fit, errorTail: errorTail, dailyScale: dailyScale,
                dailyTail: dailyTail, driftTail: driftTail, minimum: minimum, maximum: maximum,
                timestamp: lastTimestamp ?? -.infinity, samples: count)
        }
        set {
            errorScale = newValue.errorScale
            likelihood.restore(newValue.likelihoodFit)
            errorTail = newValue.errorTail
            dailyScale = newValue.dailyScale
            dailyTail = newValue.dailyTail
            driftTail = newValue.driftTail
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
        if let error = sample.error { errorTail.observe(abs(error)) }
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
