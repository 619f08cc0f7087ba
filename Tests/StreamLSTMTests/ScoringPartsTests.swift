import RealModule
import Testing

@testable import StreamLSTM

/// Each test of the scorer on the kind of series it is there for, through
/// the whole predictor with the defaults a user gets (5-minute samples).
@Suite("Scoring parts on synthetic series")
struct ScoringPartsTests {
    static let threshold = ScorerConfig().threshold

    @Test("Tail surprise: about 1e-k of Gaussian sizes exceed k, and a heavy tail is judged on its own terms")
    func tailCalibration() {
        var rng = SplitMix64(seed: 21)
        var gaussian = TailEstimator(timeConstant: 2000)
        var heavy = TailEstimator(timeConstant: 2000)
        var above3 = 0
        var above5 = 0
        let count = 200_000
        for n in 0..<count {
            let x = abs(rng.gaussian())
            if n > 1000 {
                let s = gaussian.surprise(x)
                if s >= 3 { above3 += 1 }
                if s >= 5 { above5 += 1 }
            }
            gaussian.observe(x)
            // Student's t with 3 degrees of freedom: a Gaussian over the root of a scaled chi-square.
            let chi = (0..<3).map { _ in rng.gaussian() }.map { $0 * $0 }.reduce(0, +) / 3
            heavy.observe(abs(rng.gaussian() / chi.squareRoot()))
        }
        let rate3 = Double(above3) / Double(count - 1001)
        let rate5 = Double(above5) / Double(count - 1001)
        print("Gaussian sizes: surprise >= 3 at rate \(rate3), >= 5 at rate \(rate5)")
        #expect(rate3 > 1e-4 && rate3 < 3e-3)
        #expect(rate5 < 1e-4)
        // Six standard deviations: extraordinary for Gaussian errors, routine for heavy-tailed ones.
        #expect(gaussian.surprise(6) > 5)
        #expect(heavy.surprise(6) < 3.5)
    }

    @Test("An incident's few huge errors do not make a young series' error tail heavy; a heavy tail stays heavy")
    func tailShapeNeedsEvidence() {
        // 300 Gaussian error sizes, an incident of 4 errors of 15, 296 more: the method of moments reads the
        // 4 as a heavy tail (its shape at the cap), which would damp every later error's surprise; the
        // spike test's prior asks for more evidence than 4 tail samples before believing it.
        var rng = SplitMix64(seed: 5)
        var withPrior = TailEstimator(timeConstant: 2000, shapePrior: AnomalyScorer.errorTailShapePrior)
        var fitted = TailEstimator(timeConstant: 2000)
        for n in 0..<600 {
            let x = (300..<304).contains(n) ? 15 : abs(rng.gaussian())
            withPrior.observe(x)
            fitted.observe(x)
        }
        print(
            "an error of 20 after one incident: \(withPrior.surprise(20)) with the prior, "
                + "\(fitted.surprise(20)) without")
        #expect(withPrior.surprise(20) > fitted.surprise(20) + 0.5)
        // Below the tail the prior changes nothing.
        #expect(withPrior.surprise(1) == fitted.surprise(1))
        // Errors that really are heavy-tailed (Student's t, 3 degrees of freedom) are still judged so:
        // six of their scales surprise them far less than six standard deviations surprise Gaussian errors.
        var heavy = TailEstimator(timeConstant: 2000, shapePrior: AnomalyScorer.errorTailShapePrior)
        for _ in 0..<20_000 {
            let chi = (0..<3).map { _ in rng.gaussian() }.map { $0 * $0 }.reduce(0, +) / 3
            heavy.observe(abs(rng.gaussian() / chi.squareRoot()))
        }
        #expect(heavy.surprise(6) < 3)
    }

    @Test("A spike at sample 60 of a new series is flagged; the clean series of the same kind is not")
    func earlySpike() {
        var spiked = SyntheticSeries.sine(count: 400, period: 40, noise: 0.1, seed: 31)
        spiked[60] += 2.5
        var alerted = Driver()
        var clean = Driver()
        alerted.feed(spiked)
        clean.feed(SyntheticSeries.sine(count: 400, period: 40, noise: 0.1, seed: 31))
        #expect(alerted.detections(in: 0..<60, threshold: Self.threshold).isEmpty)
        #expect(alerted.detections(in: 60..<61, threshold: Self.threshold) == [60])
        let falseAlarms = clean.detections(in: 0..<400, threshold: Self.threshold)
        #expect(falseAlarms.isEmpty, "\(clean.describe(falseAlarms))")
    }

    @Test("A slow slide to a failure is flagged in its first half")
    func slowRampToFailure() {
        // A machine's temperature: noise around a level with a slow daily swing, then a slide
        // over 600 samples (two days) from the top of its usual range to its bottom and below.
        var rng = SplitMix64(seed: 41)
        let start = 3000
        let length = 600
        let series = (0..<(start + length)).map { t -> Double in
            let usual = 80 + 3 * Double.sin(2 * Double.pi * Double(t) / 288) + rng.gaussian()
            guard t >= start else { return usual }
            return usual - 10 * Double(t - start) / Double(length)
        }
        var driver = Driver()
        driver.feed(series)
        let before = driver.detections(in: ScorerConfig().warmUp..<start, threshold: Self.threshold)
        let during = driver.detections(in: start..<series.count, threshold: Self.threshold)
        print(
            "slow slide from \(start): detections before \(before), first during \(during.first ?? -1) "
                + "(\(during.first.map { "\(driver.results[$0].anomaly.reason)" } ?? "none"))")
        #expect(before.isEmpty, "\(driver.describe(before))")
        // Found before the level has slid 5 of its 10 (here by the range rule: the slide's
        // troughs leave the range first; the next test is the drift that stays inside it).
        #expect((during.first ?? .max) < start + length / 2)
    }

    @Test("A drift of the level by 1.5 standard deviations, inside the range already seen, is flagged as a drift")
    func levelDriftInsideTheRange() {
        var rng = SplitMix64(seed: 43)
        let start = 3000
        let length = 150
        let series = (0..<(start + 600)).map { t -> Double in
            10 + rng.gaussian() + (t >= start ? 1.5 * min(Double(t - start + 1) / Double(length), 1) : 0)
        }
        var driver = Driver()
        driver.feed(series)
        let during = driver.detections(in: start..<series.count, threshold: Self.threshold)
        let lowest = series[..<start].min()!
        let highest = series[..<start].max()!
        let leaves = (start..<series.count).first { series[$0] < lowest || series[$0] > highest } ?? series.count
        print(
            "drift of 1.5 sd over \(length) samples from \(start): \(driver.describe(during)); "
                + "first value outside the range seen at \(leaves)")
        let first = during.first ?? .max
        #expect(first < start + length && first < leaves)
        #expect(during.first.map { driver.results[$0].anomaly.reason } == .levelDrift)
        // Nothing in the settled stretch before it (the first hundreds are a young series' range growing).
        let settled = driver.detections(in: 1000..<start, threshold: Self.threshold)
        #expect(settled.isEmpty, "\(driver.describe(settled))")
    }

    @Test("A daily cycle broken for one hour is flagged as unusual for the time of day")
    func brokenDailyCycle() {
        let day = 288  // 5-minute samples
        var rng = SplitMix64(seed: 51)
        var series = (0..<(7 * day)).map { t in
            10 + 5 * Double.sin(2 * Double.pi * Double(t) / Double(day)) + 0.2 * rng.gaussian()
        }
        // On the seventh day, the hour around the peak stays at the daily mean.
        let broken = 6 * day + day / 4 - 6
        for t in broken..<(broken + 12) { series[t] = 10 + 0.2 * rng.gaussian() }
        var driver = Driver()
        driver.feed(series)
        let before = driver.detections(in: ScorerConfig().warmUp..<broken, threshold: Self.threshold)
        let during = driver.detections(in: broken..<(broken + 12), threshold: Self.threshold)
        print(
            "broken hour at \(broken): detections before \(before), during \(during) "
                + "(\(during.first.map { "\(driver.results[$0].anomaly.reason)" } ?? "none"))")
        #expect(before.isEmpty, "\(driver.describe(before))")
        #expect(!during.isEmpty)
    }

    @Test("A clean daily cycle's noise of 3 to 5 deviations is not unusual for the hour; 10 deviations is")
    func timeOfDayGaussianBound() throws {
        // A daily sine (amplitude 10, noise 0.1) on 5-minute samples, forecast perfectly so that only the
        // value-based tests see it; from its 21st day a deviation of `k` noise deviations at every 97th
        // sample (a different hour each day). The time-of-day fit's tail is light and the sensitivity
        // sharpens it: without the Gaussian bound 4 deviations reached a surprise of 5.9 and 5 of 7.8 (a
        // clean daily cycle paged once a month). Deviations are measured in scales of at least 1% of the
        // range (0.2 here), so 10 noise deviations are 5 of those scales and still page.
        let day = 288
        func usual(_ t: Int) -> Double { 50 + 10 * Double.sin(2 * Double.pi * Double(t % day) / Double(day)) }
        func time(_ t: Int) -> Double { 1_700_000_000 + 300 * Double(t) }
        var strongest: [Double: Double] = [:]
        // Whatever test spoke loudest at an injected sample: none may page for the smaller sizes.
        var loudest: [Double: Double] = [:]
        for k in [3.0, 4.0, 5.0, 10.0] {
            var scorer = AnomalyScorer()
            var rng = SplitMix64(seed: 71)
            for t in 0..<(30 * day) {
                let injected = t >= 20 * day && t % 97 == 0
                let value = usual(t) + (injected ? k * 0.1 : 0.1 * rng.gaussian())
                let verdict = scorer.score(value: value, predicted: value, timestamp: time(t))
                if injected { loudest[k] = max(loudest[k] ?? 0, verdict.surprise) }
                if injected && verdict.reason == .timeOfDay {
                    strongest[k] = max(strongest[k] ?? 0, verdict.surprise)
                }
            }
        }
        print("time-of-day surprise of the strongest injected deviation, by its size: \(strongest)")
        let alertLevel = AnomalyScore.surprise(score: Self.threshold)
        // Every size was judged by the time-of-day test at least once (nil: it never said a word).
        for k in [3.0, 4.0, 5.0] {
            let surprise = try #require(strongest[k], "\(k) deviations: \(strongest)")
            #expect(surprise < 2, "\(k) deviations: \(strongest)")
            #expect(try #require(loudest[k]) < alertLevel, "\(k) deviations, any test: \(loudest)")
        }
        #expect(try #require(strongest[10]) >= alertLevel, "\(strongest)")
    }

    @Test("After a flat stretch, the values' clipped spread follows a daily cycle's within a day")
    func spreadAfterAFlatStretch() throws {
        // 1,000 samples at exactly 10, then a daily sine of amplitude 5 on 5-minute samples. A day into the
        // cycle both spreads still remember the flat stretch; the clipped one is over half the unclipped
        // one. It clips each distance at 6 of its scales, never below 1% of the range: from a flat start,
        // a clip at 6 × 1e-9 let it grow by at most 3.5% a sample (it was 1e-7 here), and the time-of-day
        // test stayed muted for about four days of the cycle.
        var scorer = AnomalyScorer()
        let day = 288
        for t in 0..<(1000 + day) {
            let value = t < 1000 ? 10 : 10 + 5 * Double.sin(2 * Double.pi * Double(t - 1000) / Double(day))
            _ = scorer.score(value: value, predicted: value, timestamp: 1_700_000_000 + 300 * Double(t))
        }
        let spread = scorer.drift.clippedSpread.scale()
        let unclipped = try #require(scorer.drift.longStandardDeviation)
        print("a day into the cycle: the values' clipped spread \(spread), their standard deviation \(unclipped)")
        #expect(spread > 0.5 * unclipped, "\(spread) against \(unclipped)")
    }

    @Test("A mostly-zero series' blips of one quantum page on the first few at most")
    func blipsOfAMostlyZeroSeries() {
        // As smd_asd's `machine-2-1_dim13`: minute samples at 0, one value of 18 quanta at sample 700, and
        // from there a blip of one quantum every 60 to 140 samples, forecast at 0. A blip is 5.6 of the
        // errors' scales (floored at 1% of the range). The spike test's tail began on the zeros, with a
        // near-zero scale, and clipped at 20 of that scale it took each blip as barely above its
        // threshold: 26 blips paged. Clipped no lower than 6 scales, it learns them from the first.
        let quantum = 0.013699
        var gaps = SplitMix64(seed: 83)
        var nextBlip = 800
        var scorer = AnomalyScorer()
        var blips = 0
        var paged: [Int] = []
        for t in 0..<20_000 {
            var value = t == 700 ? 18 * quantum : 0
            if t == nextBlip {
                value = quantum
                blips += 1
                nextBlip += 60 + Int(gaps.next() % 81)
            }
            let verdict = scorer.score(value: value, predicted: 0, timestamp: 1_700_000_000 + 60 * Double(t))
            if t > 700 && verdict.score >= Self.threshold { paged.append(t) }
        }
        print("\(blips) blips of one quantum on a mostly-zero series: paged at \(paged)")
        #expect(paged.count <= 3, "\(paged)")
    }

    @Test("A spike at the same time every night that the forecast misses is no spike from its second night")
    func nightlySpikeTheForecastMisses() {
        // A level of 10 (noise 0.5) on 5-minute samples and every night, at 03:00 sharp, one sample at 100
        // that the forecast misses (it says 10). The spike test judges the smaller of the forecast's error
        // and the value's distance from its usual value at this hour, and from the second night the spike
        // is the hour's usual value. Judged by the forecast's error alone it paged on nights 2 and 3, until
        // its tail had learned the spikes.
        let day = 288
        var rng = SplitMix64(seed: 84)
        var scorer = AnomalyScorer()
        var pages: [Int] = []
        for t in 0..<(21 * day) {
            let value = t % day == 36 ? 100 : 10 + 0.5 * rng.gaussian()
            let verdict = scorer.score(value: value, predicted: 10, timestamp: 1_700_006_400 + 300 * Double(t))
            if t >= day && verdict.reason == .spike && verdict.score >= Self.threshold { pages.append(t) }
        }
        #expect(pages.isEmpty, "the spike test paged at \(pages)")
    }

    /// Counts whose noise is 10% of a level that swings by `swing` about 100 (from 10 at night to 190 by
    /// day by default), hourly unless `interval` says otherwise (the cycle stays 24 samples), forecast at
    /// that level unless `forecastOf` says otherwise; `value` may change a sample. Every sample's verdict.
    static func multiplicativeCounts(
        hours: Int, swing: Double = 90, interval: Double = 3600, forecastOf: (Int, Double) -> Double = { $1 },
        after: (Int, AnomalyScorer) -> Void = { _, _ in }, value: (Int, Double) -> Double
    ) -> [AnomalyScore] {
        var rng = SplitMix64(seed: 85)
        var scorer = AnomalyScorer()
        return (0..<hours).map { t in
            let level = 100 - swing * Double.cos(2 * Double.pi * Double(t % 24) / 24)
            let clean = level * (1 + 0.1 * rng.gaussian())
            let verdict = scorer.score(
                value: value(t, clean), predicted: forecastOf(t, level), timestamp: 1_700_006_400 + interval * Double(t)
            )
            after(t, scorer)
            return verdict
        }
    }

    /// The samples from 100 on that reached the alert level, with the test that got them there.
    static func pages(_ verdicts: [AnomalyScore]) -> [(sample: Int, reason: AnomalyReason)] {
        verdicts.indices.filter { $0 >= 100 && verdicts[$0].score >= threshold }.map { ($0, verdicts[$0].reason) }
    }

    @Test("A drop to 30% at a quiet hour of a series whose noise grows with its level is a spike")
    func dropAtAQuietHour() {
        // At 04:00 the level is 55 (noise 5.5) and the day's errors have a scale of about 12: a drop to 16,
        // inside the range the nights have set, is an error of 3 scales, and no additive test pages on it
        // (its score was 0.33). As a fraction of its forecast (-0.7) it is 6 of its scales (11% each).
        let drop = 24 * 25 + 4
        let pages = Self.pages(
            Self.multiplicativeCounts(hours: 24 * 30) { t, clean in t == drop ? 0.3 * clean : clean })
        #expect(pages.contains { $0.sample == drop && $0.reason == .spike }, "paged at \(pages)")
        #expect(pages.allSatisfy { $0.sample == drop }, "paged at \(pages)")
    }

    @Test(
        "The refractory rule holds an incident's later scores for 50 samples but a day at most",
        arguments: [(interval: 3600.0, pagesAgain: true), (interval: 300.0, pagesAgain: false)])
    func refractoryAtMostADay(interval: Double, pagesAgain: Bool) {
        // Two spikes to 10 times a level of 100, 30 samples apart: 30 hours on hourly samples, a new
        // incident (50 samples were two days, and held it down); two and a half hours on 5-minute ones,
        // still held. (A level without a daily cycle: on one, the day after a spike its hour's usual value
        // still holds a third of the spike, and the time-of-day test reaches the alert level there.)
        let first = 24 * 20 + 12
        let verdicts = Self.multiplicativeCounts(hours: 24 * 30, swing: 0, interval: interval) { t, clean in
            t == first || t == first + 30 ? 10 * clean : clean
        }
        #expect(verdicts[first + 30].unheldScore >= Self.threshold)
        let pages = Self.pages(verdicts).map(\.sample)
        #expect(pages == (pagesAgain ? [first, first + 30] : [first]), "paged at \(pages)")
    }

    @Test("The return from a spike, while the forecast is still high, teaches the drop fits nothing")
    func returnFromASpike() {
        // A spike to 10 times the level at 12:00 on day 20, and a forecast that follows it for one sample:
        // the next value is 90% below its forecast, inside the incident the spike began. Learned, that
        // fraction (8 of the fits' scales) would widen them for the series' next real drop.
        let spike = 24 * 20 + 12
        var fits: [Int: RelativeDrop] = [:]
        let verdicts = Self.multiplicativeCounts(
            hours: 24 * 30, forecastOf: { t, level in t == spike + 1 ? 1_000 : level },
            after: { t, scorer in if (spike...(spike + 1)).contains(t) { fits[t] = scorer.relativeDrop } },
            value: { t, clean in t == spike ? 10 * clean : clean })
        #expect(fits[spike + 1] == fits[spike])
        #expect(Self.pages(verdicts).map(\.sample) == [spike], "paged at \(Self.pages(verdicts))")
    }

    @Test("A flat series' nightly spike, a few minutes off its usual time, is not unusual for the hour")
    func nightlySpikeOffItsTime() {
        // As NAB's ec2_cpu_utilization_24ae8d: a level of 0.13 (noise 0.005) on 5-minute samples, and every
        // night one sample at 1.5, at 03:00 plus 0 to 35 minutes. Forecast perfectly, so only the
        // value-based tests see it. The spikes are most of the values' unclipped spread and none of the
        // deviations' clipped scale: weighed by that spread, the series looked like a clean daily cycle,
        // and the time-of-day test paged on 7 of the 18 nights after the third (in NAB's series on 12 of its
        // 14 nights, one of them inside a labelled window).
        let day = 288
        var rng = SplitMix64(seed: 81)
        var jitter = SplitMix64(seed: 82)
        var spikeAt = 36
        var pages: [Int] = []
        var scorer = AnomalyScorer()
        for t in 0..<(21 * day) {
            if t % day == 0 { spikeAt = 36 + Int(jitter.next() % 8) }
            let value = t % day == spikeAt ? 1.5 : 0.13 + 0.005 * rng.gaussian()
            let verdict = scorer.score(value: value, predicted: value, timestamp: 1_700_006_400 + 300 * Double(t))
            if t >= 3 * day && verdict.reason == .timeOfDay && verdict.score >= Self.threshold { pages.append(t) }
        }
        print("nightly spike off its time: time-of-day pages at \(pages)")
        #expect(pages.isEmpty, "\(pages)")
    }

    @Test(
        "White noise's new extreme just past its range is only a large error; past a range the forecast follows, it pages",
        arguments: [false, true])
    func outOfRangeOfWhiteNoise(forecastFollows: Bool) {
        // Noise around 100 (deviation 5) for 3,000 samples, forecast either by its mean (errors as large
        // as the spread: white noise) or within 0.25 of every value; then one value 10% of the range past
        // the largest seen (the margin is 5%), about 4 deviations from the mean, and later one a whole
        // range past it.
        func judge() -> (just: AnomalyScore, far: AnomalyScore) {
            var scorer = AnomalyScorer()
            var values = SplitMix64(seed: 44)
            var forecastErrors = SplitMix64(seed: 46)
            var t = 0.0
            func next(_ value: Double) -> AnomalyScore {
                t += 300
                let predicted = forecastFollows ? value + 0.25 * forecastErrors.gaussian() : 100
                return scorer.score(value: value, predicted: predicted, timestamp: 1_700_000_000 + t)
            }
            for _ in 0..<3000 { _ = next(100 + 5 * values.gaussian()) }
            let just = next(scorer.maximum + 0.1 * (scorer.maximum - scorer.minimum))
            for _ in 0..<200 { _ = next(100 + 5 * values.gaussian()) }
            let far = next(2 * scorer.maximum - scorer.minimum)
            return (just, far)
        }
        let (just, far) = judge()
        print("white noise (forecast follows: \(forecastFollows)): just past the range \(just), a range past \(far)")
        let alertLevel = AnomalyScore.surprise(score: Self.threshold)
        if forecastFollows {
            #expect(just.reason == .outOfRange && just.surprise >= alertLevel, "\(just)")
        } else {
            // About 4.2 deviations: a one-in-50,000 error as the spike test judges it, under the alert level.
            #expect(just.surprise < alertLevel, "\(just)")
        }
        #expect(far.surprise >= alertLevel, "\(far)")
    }

    @Test("White noise's chance drifts of its level do not page; the fitted tail alone pages on some")
    func chanceDriftsOfWhiteNoise() {
        // 30,000 samples of noise around 100 (deviation 5), forecast by the mean, so that the level-drift
        // test's Gaussian bound applies; and the same values forecast within 0.25, judged by the fitted
        // tail alone. The values, and so the level's chance excursions, are the same in both.
        func driftPages(forecastFollows: Bool) -> [Int] {
            var scorer = AnomalyScorer()
            var values = SplitMix64(seed: 45)
            var forecastErrors = SplitMix64(seed: 46)
            let alertLevel = AnomalyScore.surprise(score: Self.threshold)
            return (0..<30_000).filter { t in
                let value = 100 + 5 * values.gaussian()
                let predicted = forecastFollows ? value + 0.25 * forecastErrors.gaussian() : 100
                let verdict = scorer.score(
                    value: value, predicted: predicted, timestamp: 1_700_000_000 + 300 * Double(t))
                return verdict.reason == .levelDrift && verdict.surprise >= alertLevel
            }
        }
        let white = driftPages(forecastFollows: false)
        let fitted = driftPages(forecastFollows: true)
        print("level drifts at the alert level: white noise \(white), the fitted tail alone \(fitted)")
        #expect(white.isEmpty, "\(white)")
        #expect(!fitted.isEmpty)
    }

    @Test("A value stuck where it should vary is flagged; a series that often repeats is not")
    func stuckValue() {
        let start = 2000
        var series = SyntheticSeries.sine(count: start + 200, period: 40, noise: 0.1, seed: 61)
        for t in start..<series.count { series[t] = series[start - 1] }
        var driver = Driver()
        driver.feed(series)
        let before = driver.detections(in: ScorerConfig().warmUp..<start, threshold: Self.threshold)
        let during = driver.detections(in: start..<series.count, threshold: Self.threshold)
        print("stuck from \(start): first detection at \(during.first ?? -1); before it \(driver.describe(before))")
        // (The sine's own record values and rare errors may alarm before; none of them as stuck.)
        #expect(!before.contains { driver.results[$0].anomaly.reason == .stuck }, "\(driver.describe(before))")
        #expect((during.first ?? .max) < start + 20)
        #expect(during.first.map { driver.results[$0].anomaly.reason } == .stuck)

        // Quantised to whole units, a random walk repeats its value about a third of the time.
        var rng = SplitMix64(seed: 62)
        var level = 0.0
        let quantised = (0..<5000).map { _ -> Double in
            level += 0.4 * rng.gaussian()
            return level.rounded()
        }
        var repeating = Driver()
        repeating.feed(quantised)
        let stuckAlarms = repeating.detections(in: ScorerConfig().warmUp..<5000, threshold: Self.threshold)
            .filter { repeating.results[$0].anomaly.reason == .stuck }
        #expect(stuckAlarms.isEmpty)
    }

    @Test("A lasting level shift is flagged at once, then learned: no alert a while after it")
    func levelShiftLearned() {
        let start = 3000
        var series = SyntheticSeries.sine(count: start + 2000, period: 40, noise: 0.1, seed: 71)
        for t in start..<series.count { series[t] += 3 }
        var driver = Driver()
        driver.feed(series)
        let during = driver.detections(in: start..<series.count, threshold: Self.threshold)
        print("level shift at \(start): detections \(during.prefix(5))..., last \(during.last ?? -1)")
        #expect(during.first == start)
        // Scores, refractory hold or not, have settled under the threshold.
        let settled = (start + 1000)..<series.count
        #expect(settled.allSatisfy { driver.results[$0].anomaly.score < Self.threshold * 0.9 })
    }
}

@Suite("Incidents in the fits")
struct IncidentInfluenceTests {
    /// Peak score of the second of two identical 40-sample incidents (a level 8 above noise), with
    /// forecasts of 0, so each error is the value.
    static func secondIncidentPeak(incidentWorth: Int) -> Double {
        var config = ScorerConfig()
        config.incidentWorth = incidentWorth
        var scorer = AnomalyScorer(config: config)
        let noise = SyntheticSeries.noise(count: 900, seed: 11)
        var peak = 0.0
        for (t, value) in noise.enumerated() {
            let incident = (300..<340).contains(t) || (700..<740).contains(t)
            let verdict = scorer.score(value: incident ? value + 8 : value, predicted: 0, timestamp: 300 * Double(t))
            if (700..<740).contains(t) { peak = max(peak, verdict.unheldScore) }
        }
        return peak
    }

    @Test("A young series' first incident does not teach its fits to ignore the next one")
    func boundedInfluence() {
        let bounded = Self.secondIncidentPeak(incidentWorth: ScorerConfig().incidentWorth)
        let unbounded = Self.secondIncidentPeak(incidentWorth: 0)
        // 0.46 against 0.36 when this was written: the bound lifts the second incident, not yet to a page.
        #expect(bounded > unbounded + 0.05, "bounded \(bounded), every sample learned \(unbounded)")
    }

    @Test("Progress: an incident starts at an alert-level sample and ends after enough calm ones")
    func progress() {
        var incident = IncidentProgress()
        incident.advance(alertLevel: false, endsAfter: 3)
        #expect(incident.samples == 0)
        incident.advance(alertLevel: true, endsAfter: 3)
        incident.advance(alertLevel: false, endsAfter: 3)
        incident.advance(alertLevel: false, endsAfter: 3)
        #expect(incident.samples == 3 && incident.calm == 2)
        incident.advance(alertLevel: false, endsAfter: 3)
        #expect(incident.samples == 0)
    }
}
