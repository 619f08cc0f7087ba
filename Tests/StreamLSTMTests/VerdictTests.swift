import Testing

@testable import StreamLSTM

/// A scorer over Gaussian noise with forecasts of 0 (each error is the value), samples 5 minutes apart,
/// with `pattern` added at the samples `at` and a verdict given after some of them.
struct VerdictScenario {
    var scorer = AnomalyScorer()
    /// The unheld score of every sample.
    private(set) var scores: [Double] = []
    let noise: [Double]

    init(samples: Int, seed: UInt64) {
        noise = SyntheticSeries.noise(count: samples, seed: seed)
    }

    static func time(_ t: Int) -> Double { 1_700_000_000 + 300 * Double(t) }

    /// Scores samples `range`, with `pattern` (offsets from each start) added from each of `starts`.
    mutating func run(_ range: Range<Int>, pattern: [Double], starts: [Int], learns: Bool = true) {
        for t in range {
            let offset = starts.first { (($0)..<($0 + pattern.count)).contains(t) }.map { pattern[t - $0] } ?? 0
            let verdict = scorer.score(
                value: noise[t] + offset, predicted: 0, timestamp: Self.time(t), learns: learns)
            scores.append(verdict.unheldScore)
        }
    }

    func peak(_ range: Range<Int>) -> Double { range.map { scores[$0] }.max() ?? 0 }
}

@Suite("Verdicts: what a user's feedback does to a series' scorer")
struct VerdictTests {
    static let burst = [Double](repeating: 8, count: 10)

    @Test("A false alert marked normal does not page again when it recurs 200 samples later; its unmarked twin does")
    func normalStopsTheRepeat() {
        var marked = VerdictScenario(samples: 1100, seed: 5)
        var twin = VerdictScenario(samples: 1100, seed: 5)
        for s in [0, 1] {
            var scenario = s == 0 ? marked : twin
            scenario.run(0..<812, pattern: Self.burst, starts: [800])
            if s == 0 {
                let effect = scenario.scorer.learn(
                    .normal, from: VerdictScenario.time(800), to: VerdictScenario.time(811))
                #expect(!effect.sensitivity.isEmpty, "no test's sensitivity changed")
                #expect(effect.sensitivity.values.allSatisfy { $0 < 1 })
            }
            scenario.run(812..<1100, pattern: Self.burst, starts: [800, 1000])
            if s == 0 { marked = scenario } else { twin = scenario }
        }
        #expect(marked.peak(800..<812) >= 0.5 && twin.peak(800..<812) >= 0.5, "the first burst alerts in both")
        #expect(marked.peak(1000..<1030) < 0.5, "marked normal, it paged again: \(marked.peak(1000..<1030))")
        #expect(twin.peak(1000..<1030) >= 0.5, "the unmarked twin stayed quiet: \(twin.peak(1000..<1030))")
    }

    @Test(
        "A recurring burst the series learned to ignore, marked anomaly, pages when it recurs; its unmarked twin stays quiet"
    )
    func anomalyRaisesTheMissed() {
        let starts = stride(from: 400, to: 2000, by: 150).map { $0 }
        let pattern = [Double](repeating: 5, count: 6)
        var marked = VerdictScenario(samples: 2000, seed: 9)
        var twin = VerdictScenario(samples: 2000, seed: 9)
        let last = starts[starts.count - 2]  // the verdict comes on the one before the last
        marked.run(0..<(last + 20), pattern: pattern, starts: starts)
        twin.run(0..<(last + 20), pattern: pattern, starts: starts)
        #expect(twin.peak(last..<(last + 20)) < 0.5, "the series had not learned to ignore the burst")
        let effect = marked.scorer.learn(.anomaly, from: VerdictScenario.time(last), to: VerdictScenario.time(last + 5))
        #expect(effect.sensitivity.values.allSatisfy { $0 > 1 }, "\(effect)")
        marked.run((last + 20)..<2000, pattern: pattern, starts: starts)
        twin.run((last + 20)..<2000, pattern: pattern, starts: starts)
        let next = starts[starts.count - 1]
        #expect(
            marked.peak(next..<(next + 20)) >= 0.5,
            "marked anomaly, it did not page: \(marked.peak(next..<(next + 20)))")
        #expect(twin.peak(next..<(next + 20)) < 0.5, "the unmarked twin paged: \(twin.peak(next..<(next + 20)))")
    }

    @Test("A missed stretch marked anomaly is taken back out of the fits: they go back to the copy taken before it")
    func anomalyRestoresTheFits() {
        var scenario = VerdictScenario(samples: 1200, seed: 5)
        scenario.run(0..<1030, pattern: (0..<200).map { $0 % 2 == 0 ? 0.5 : -0.5 }, starts: [800])
        #expect(scenario.peak(800..<1000) < 0.5, "the stretch alerted: \(scenario.peak(800..<1000))")
        // Copies at samples 768 and 1024 (counts 768, 1024); the stretch starts at 800.
        let before = scenario.scorer.fitCopies[0]
        #expect(before.samples == 768)
        let effect = scenario.scorer.learn(.anomaly, from: VerdictScenario.time(800), to: VerdictScenario.time(999))
        #expect(effect.fitsFromBeforeTheStretch && effect.samples == 1030 - 768)
        var restored = scenario.scorer.fits
        restored.timestamp = before.timestamp
        restored.samples = before.samples
        #expect(restored == before)
    }

    @Test("A confirmed alert keeps the fits (the incident rule kept most of it out) and forgets what its tests forgave")
    func confirmedKeepsTheFits() {
        var scenario = VerdictScenario(samples: 1000, seed: 3)
        scenario.run(0..<812, pattern: Self.burst, starts: [800])
        scenario.scorer.gains.forgive(.outOfRange, level: 50, scale: 0.5)
        let fits = scenario.scorer.fits
        let effect = scenario.scorer.learn(.anomaly, from: VerdictScenario.time(800), to: VerdictScenario.time(811))
        #expect(effect.samples == 0 && scenario.scorer.fits == fits)
        #expect(scenario.scorer.gains.forgiven[Int(AnomalyReason.outOfRange.rawValue)] == 0)
    }

    @Test("A stretch marked normal teaches the fits the samples the incident rule kept from them")
    func normalTeachesTheWithheld() {
        var scenario = VerdictScenario(samples: 1000, seed: 4)
        scenario.run(0..<900, pattern: [Double](repeating: 10, count: 60), starts: [800])
        let withheld = scenario.scorer.withheld.count
        #expect(withheld > 20, "only \(withheld) samples were withheld")
        let tailCount = scenario.scorer.errorTail.count
        let effect = scenario.scorer.learn(.normal, from: VerdictScenario.time(800), to: VerdictScenario.time(899))
        #expect(effect.samples == withheld && scenario.scorer.withheld.isEmpty)
        #expect(scenario.scorer.errorTail.count == tailCount + withheld)
    }

    @Test("A series that does not learn (silenced) keeps its fits as they were, and still scores")
    func pausedLearning() {
        var scenario = VerdictScenario(samples: 800, seed: 6)
        scenario.run(0..<600, pattern: [], starts: [])
        let fits = scenario.scorer.fits
        scenario.run(600..<800, pattern: [Double](repeating: 9, count: 50), starts: [650], learns: false)
        var after = scenario.scorer.fits
        after.timestamp = fits.timestamp
        after.samples = fits.samples
        #expect(after == fits)
        #expect(scenario.peak(650..<700) >= 0.5, "a silenced series still scores")
    }

    @Test("Gains stay within their bounds; a forgiven level is scaled, twice it counts in full; all fade back")
    func gainsFade() {
        var gains = SensitivityGains()
        gains.raise(.spike, to: 100)
        gains.forgive(.outOfRange, level: 10, scale: 0)
        #expect(gains[.spike] == 4 && gains.forgivenScale[2] == 0.25 && !gains.isNeutral)
        #expect(gains.weigh(1, .spike) == 4)
        #expect(gains.weigh(5, .outOfRange) == 1.25)
        #expect(gains.weigh(15, .outOfRange) == 15 * 0.625)
        #expect(gains.weigh(20, .outOfRange) == 20 && gains.weigh(5, .levelDrift) == 5)
        for _ in 0..<2000 { gains.fade(memory: 2000) }
        #expect(abs(gains[.spike] - (1 + 3 / 2.718281828)) < 0.01)
        for _ in 0..<20000 { gains.fade(memory: 2000) }
        #expect(gains.isNeutral && gains[.spike] == 1 && gains.weigh(5, .outOfRange) == 5)
    }
}
