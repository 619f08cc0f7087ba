import RealModule
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Service telemetry as the held-out corpus has it, built from a seed: hourly
/// request counts with a daily cycle and Poisson noise, 300-1,200 samples,
/// and incidents of 1.5-12 times the previous week's maximum. Each series
/// runs through a predictor that trains as the daemon's does and the daemon's
/// alert state, so what is counted is pages.
@Suite("Service telemetry, synthetic")
struct ServiceTelemetryTests {
    /// One series' model and alert state, fed sample by sample (hourly unless told).
    struct Pager {
        let predictor = Predictor(config: PredictorConfig())
        let workspace: Workspace
        let trainer: Trainer
        var alert = AlertState.initial
        let rules = AlertRules()
        /// Seconds between samples.
        let interval: Double
        private(set) var samples = 0
        private(set) var lastResult: StepResult?

        init(interval: Double = 3600) {
            self.interval = interval
            workspace = Workspace(network: predictor.network)
            trainer = Trainer(network: predictor.network, maxWindow: PredictorConfig().training.window)
        }

        /// The time stamp the sample of index `sample` is given.
        func timestamp(of sample: Int) -> Double { 1_700_000_000 + interval * Double(sample) }

        /// Steps one value; whether it paged and whether the open alert resolved at it.
        mutating func feed(_ value: Double) -> (paged: Bool, resolved: Bool) {
            let timestamp = timestamp(of: samples)
            samples += 1
            let result = try! predictor.step(value: value, timestamp: timestamp, workspace: workspace)
            lastResult = result
            let wasFiring = alert.isFiring
            let notices = alert.advance(
                score: result.anomaly.score, unheld: result.anomaly.unheldScore, at: timestamp, rules: rules)
            // As the daemon: no training while an alert is out.
            if !alert.isFiring, let job = predictor.makeTrainingJob() { predictor.adopt(trainer.run(job)) }
            return (AlertState.pages(notices, wasFiring: wasFiring), wasFiring && !alert.isFiring)
        }
    }

    /// The clean hourly counts of a series: mean `level` with a daily swing of ±60%, Poisson noise.
    struct Counts {
        var rng: SplitMix64
        let level: Double

        init(seed: UInt64) {
            rng = SplitMix64(seed: seed)
            level = 20 + 400 * Double(rng.next() % 1000) / 1000
        }

        mutating func next(hour: Int) -> Double {
            let mean = level * (1 + 0.6 * Double.sin(2 * Double.pi * Double(hour % 24) / 24))
            return poisson(mean)
        }

        /// Knuth's product of uniforms for small means, the normal approximation for large ones.
        mutating func poisson(_ mean: Double) -> Double {
            guard mean < 30 else { return max(0, (mean + mean.squareRoot() * rng.gaussian()).rounded()) }
            let limit = Double.exp(-mean)
            var product = uniform()
            var count = 0.0
            while product > limit {
                product *= uniform()
                count += 1
            }
            return count
        }

        mutating func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
    }

    /// A series of `length` samples with incidents starting at `incidents` (1-3 samples each, peak
    /// 1.5-12 times the previous week's maximum); returns the rows that paged and the incidents.
    static func run(seed: UInt64, length: Int, incidents: [Int]) -> (pages: [Int], incidents: [Int]) {
        var counts = Counts(seed: seed)
        var shape = SplitMix64(seed: seed &* 7919)
        var pager = Pager()
        var history: [Double] = []
        var pages: [Int] = []
        var remaining = 0
        var peak = 0.0
        for hour in 0..<length {
            var value = counts.next(hour: hour)
            history.append(value)
            if incidents.contains(hour) {
                let weekMaximum = history.suffix(168).max() ?? value
                peak = weekMaximum * (1.5 + 10.5 * Double(shape.next() % 1000) / 1000)
                remaining = 1 + Int(shape.next() % 3)
            }
            if remaining > 0 {
                value = peak
                remaining -= 1
            }
            if pager.feed(value).paged { pages.append(hour) }
        }
        return (pages, incidents)
    }

    /// 3-10 incident starts at least 48 samples apart, from sample 100 on.
    static func incidentStarts(seed: UInt64, length: Int) -> [Int] {
        var rng = SplitMix64(seed: seed &+ 101)
        let wanted = 3 + Int(rng.next() % 8)
        var starts: [Int] = []
        var next = 100 + Int(rng.next() % 40)
        while starts.count < wanted && next < length - 5 {
            starts.append(next)
            next += 48 + Int(rng.next() % 60)
        }
        return starts
    }

    @Test(
        "Every incident pages, the later ones as well as the first, and each clean twin stays quiet", arguments: 1...8)
    func everyIncidentPages(seed: UInt64) {
        var lengthRNG = SplitMix64(seed: seed)
        let length = 300 + Int(lengthRNG.next() % 901)
        let starts = Self.incidentStarts(seed: seed, length: length)
        #expect(starts.count >= 3)
        let (pages, _) = Self.run(seed: seed, length: length, incidents: starts)
        // Some incidents still page nobody (11 over the 8 seeds when this was written, 31
        // before the past week's range), and a clean twin pages now and then (issue 25 is open on
        // this): the known gap, recorded as such, so that this test says when it closes.
        withKnownIssue("incidents of a young hourly series do not all page yet", isIntermittent: true) {
            for start in starts {
                #expect(
                    pages.contains { (start..<(start + 3)).contains($0) },
                    "seed \(seed): incident at \(start) paged nobody; pages \(pages)")
            }
        }
        let clean = Self.run(seed: seed, length: length, incidents: [])
        withKnownIssue("a clean twin still pages now and then", isIntermittent: true) {
            #expect(clean.pages.isEmpty, "seed \(seed): the clean twin paged at \(clean.pages)")
        }
        // What holds today: a series with incidents pages at least as often as its clean twin.
        #expect(pages.count >= clean.pages.count, "seed \(seed): pages \(pages), clean twin \(clean.pages)")
    }

    @Test("An incident 15 samples after the previous one resolved pages as its own")
    func incidentSoonAfterAResolution() {
        var counts = Counts(seed: 42)
        var pager = Pager()
        var resolvedAt: Int?
        var pages: [Int] = []
        var secondAt: Int?
        for hour in 0..<600 {
            var value = counts.next(hour: hour)
            if hour == 200 || hour == 201 { value = 6 * counts.level }
            if let resolvedAt, hour == resolvedAt + 15 {
                value = 6 * counts.level
                secondAt = hour
            }
            let outcome = pager.feed(value)
            if outcome.paged { pages.append(hour) }
            if outcome.resolved && resolvedAt == nil && hour > 200 { resolvedAt = hour }
        }
        let second = try! #require(secondAt, "the first incident never resolved")
        #expect(pages.contains(200), "\(pages)")
        // It comes 35 hours after the first incident began, 15 after its alert resolved: the scorer's
        // refractory rule held it down while its hold was 50 samples (two days of hourly ones), not a day
        // at most.
        #expect(pages.contains(second), "the incident at \(second) paged nobody: pages \(pages)")
    }

    @Test("A value far out of range at sample 60 of a new series pages")
    func outOfRangeAtSampleSixty() {
        var counts = Counts(seed: 7)
        var pager = Pager()
        var pages: [Int] = []
        for hour in 0..<80 {
            var value = counts.next(hour: hour)
            if hour == 60 { value = 4 * counts.level }
            if pager.feed(value).paged { pages.append(hour) }
        }
        // The out-of-range rule waits 300 samples; the single-error test pages it.
        #expect(pages == [60])
    }
}
