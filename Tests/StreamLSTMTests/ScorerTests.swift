import RealModule
import Testing

@testable import StreamLSTM

/// The scorer judged through the whole predictor, with the defaults a user gets:
/// a sine with noise (period 40 samples, amplitude 1, noise 0.1), clean until
/// sample 3000, then changed. Every detection before the change is a false positive.
@Suite("Anomaly scoring on synthetic series")
struct ScorerTests {
    static let changeAt = 3000
    static let threshold = ScorerConfig().threshold
    static let warmUp = ScorerConfig().warmUp

    static func base(seed: UInt64, count: Int = 4000) -> [Double] {
        SyntheticSeries.sine(count: count, period: 40, noise: 0.1, seed: seed)
    }

    /// Runs the series and returns the detections before and after the change.
    static func detect(_ series: [Double]) -> (before: [Int], after: [Int], driver: Driver) {
        var driver = Driver()
        driver.feed(series)
        return (
            driver.detections(in: warmUp..<changeAt, threshold: threshold),
            driver.detections(in: changeAt..<series.count, threshold: threshold), driver
        )
    }

    @Test("A spike of 3 amplitudes is flagged at once, and nothing before it")
    func spike() {
        var series = Self.base(seed: 3)
        series[Self.changeAt] += 3
        let (before, after, driver) = Self.detect(series)
        #expect(before.isEmpty, "\(driver.describe(before))")
        #expect(after.first == Self.changeAt)
        // Far beyond anything seen: a surprise above 20 (one in 10^20), where a marginal alarm sits at 5.
        #expect(driver.results[Self.changeAt].anomaly.score >= AnomalyScore.score(surprise: 20))
        #expect(driver.results[Self.changeAt].predicted.map { abs($0 - series[Self.changeAt]) > 2 } == true)
    }

    @Test("A lasting level shift of 1.5 amplitudes is flagged within 5 samples")
    func levelShift() {
        var series = Self.base(seed: 4)
        for t in Self.changeAt..<series.count { series[t] += 1.5 }
        let (before, after, driver) = Self.detect(series)
        print("level shift at \(Self.changeAt): first alert at \(after.first ?? -1)")
        #expect(before.isEmpty, "\(driver.describe(before))")
        #expect((after.first ?? .max) <= Self.changeAt + 5)
    }

    @Test("A change of period from 40 to 15 samples is flagged within 50 samples")
    func frequencyChange() {
        var series = Self.base(seed: 5, count: Self.changeAt)
        var rng = SplitMix64(seed: 55)
        var phase = 2 * Double.pi * Double(Self.changeAt) / 40  // continuous: no jump at the change
        for _ in Self.changeAt..<4000 {
            phase += 2 * Double.pi / 15
            series.append(Double.sin(phase) + 0.1 * rng.gaussian())
        }
        let (before, after, driver) = Self.detect(series)
        print("period change at \(Self.changeAt): first alert at \(after.first ?? -1)")
        #expect(before.isEmpty, "\(driver.describe(before))")
        #expect((after.first ?? .max) <= Self.changeAt + 50)
        // A value-range rule cannot see this change: the errors must.
        #expect(
            after.prefix(3).allSatisfy { [.predictionError, .spike].contains(driver.results[$0].anomaly.reason) },
            "\(driver.describe(Array(after.prefix(3))))")
    }

    @Test("Pure Gaussian noise gives a false-positive rate below 1 in 2,000 samples")
    func noiseFalsePositives() {
        let count = 20_000
        var driver = Driver()
        driver.feed(SyntheticSeries.noise(count: count, seed: 9))
        let scored = Self.warmUp..<count
        let detections = driver.detections(in: scored, threshold: Self.threshold)
        let rate = Double(detections.count) / Double(scored.count)
        print("pure noise: \(detections.count) detections in \(scored.count) scored samples (rate \(rate))")
        #expect(rate < 1.0 / 2000)
        // The scores are not all zero: the test would pass for a scorer that never fires otherwise.
        let meanScore = scored.map { driver.results[$0].anomaly.score }.reduce(0, +) / Double(scored.count)
        #expect(meanScore > 0.001)
    }

    @Test("Nothing is scored during warm-up")
    func warmUp() {
        var series = Self.base(seed: 6, count: Self.warmUp + 10)
        series[Self.warmUp - 5] += 50
        var driver = Driver()
        driver.feed(series)
        #expect(driver.results[0..<Self.warmUp].allSatisfy { $0.anomaly.score == 0 && $0.anomaly.warmingUp })
        #expect(!driver.results[Self.warmUp].anomaly.warmingUp)
    }

    @Test("Minimum-deviation rules silence tiny changes on a flat series")
    func minimumDeviation() {
        var flat = [Double](repeating: 10, count: 1000)
        flat[900] = 10.001
        var quiet = PredictorConfig()
        quiet.scorer.minimumAbsoluteDeviation = 0.01
        var strict = Driver()
        var tolerant = Driver(config: quiet)
        strict.feed(flat)
        tolerant.feed(flat)
        #expect(strict.results[900].anomaly.reason == .outOfRange)  // out of a range of zero width
        #expect(strict.results[900].anomaly.score >= AnomalyScore.score(surprise: 20))
        #expect(tolerant.results[900].anomaly.score == 0)
        #expect(tolerant.results[900].anomaly.reason == .belowMinimumDeviation)
    }
}

@Suite("Online normaliser")
struct NormalizerTests {
    @Test("An outlier moves the estimate by a bounded amount")
    func outlierIsClipped() {
        var normalizer = Normalizer()
        for value in SyntheticSeries.noise(count: 500, seed: 1) { normalizer.observe(value) }
        let (mean, deviation) = (normalizer.mean, normalizer.standardDeviation)
        normalizer.observe(1e6)
        #expect(abs(normalizer.mean - mean) < 0.01)
        #expect(normalizer.standardDeviation < deviation * 1.05)
    }

    @Test("A lasting level shift re-centres the mean after the patience runs out")
    func levelShift() {
        var normalizer = Normalizer()
        for value in SyntheticSeries.noise(count: 500, seed: 2) { normalizer.observe(value) }
        let shifted = SyntheticSeries.noise(count: 40, seed: 3).map { $0 + 100 }
        for value in shifted.prefix(15) { normalizer.observe(value) }
        #expect(normalizer.mean < 5)  // 15 < patience 16: still clipped updates
        for value in shifted.dropFirst(15) { normalizer.observe(value) }
        #expect(abs(normalizer.mean - 100) < 3)
        #expect(abs(normalizer.normalize(100)) < 3)
    }

    @Test("A flat series normalises without dividing by zero")
    func flatSeries() {
        var normalizer = Normalizer()
        for _ in 0..<100 { normalizer.observe(5) }
        #expect(normalizer.normalize(5) == 0)
        #expect(normalizer.normalize(6) == NormalizerConfig().inputClip)
        #expect(normalizer.denormalize(0) == 5)
    }
}
