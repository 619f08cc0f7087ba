import RealModule
import StreamLSTM
import Testing

@testable import StreamLSTMDaemon

/// Series with nothing wrong in them, 10,000 five-minute samples each (about
/// 35 days), through a predictor that trains as the daemon's does and the
/// daemon's alert state at the defaults: what a user would be paged for.
/// Each shape is one a detector is known to trip on: a smooth daily cycle,
/// plain noise, a random walk's new highs, a square wave's edges, a spike
/// that recurs at the same time every day.
///
/// Not all are quiet yet. What pages today is recorded as a known issue (so
/// the suite says when it closes), and a bound at today's count keeps it
/// from growing unnoticed.
@Suite("Clean shapes stay quiet")
struct CleanShapesTests {
    static let length = 10_000
    /// Five-minute samples: a day is 288 of them.
    static let day = 288

    /// The samples at which the series paged (new incidents; re-sends are not pages), with the test that paged.
    static func pages(of series: [Double]) -> [(sample: Int, reason: AnomalyReason)] {
        var pager = ServiceTelemetryTests.Pager(interval: 300)
        return series.indices.compactMap { t in
            guard pager.feed(series[t]).paged, let result = pager.lastResult else { return nil }
            return (t, result.anomaly.reason)
        }
    }

    static func describe(_ pages: [(sample: Int, reason: AnomalyReason)]) -> String {
        pages.map { "\($0.sample) (\($0.reason))" }.joined(separator: ", ")
    }

    /// Quiet is the aim, recorded as a known issue while `known` says why it is not met yet; more
    /// than `atMost` pages (today's count) is a regression.
    static func expectQuiet(
        _ pages: [(sample: Int, reason: AnomalyReason)], known: Comment, atMost: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        withKnownIssue(known, isIntermittent: true) {
            #expect(pages.isEmpty, "paged at \(describe(pages))", sourceLocation: sourceLocation)
        }
        #expect(pages.count <= atMost, "paged at \(describe(pages))", sourceLocation: sourceLocation)
    }

    static func phase(_ t: Int) -> Double { 2 * Double.pi * Double(t % day) / Double(day) }

    @Test("A daily sine with 1% noise pages nobody")
    func dailySine() {
        var rng = SplitMix64(seed: 61)
        let series = (0..<Self.length).map { 50 + 10 * Double.sin(Self.phase($0)) + 0.1 * rng.gaussian() }
        let pages = Self.pages(of: series)
        #expect(pages.isEmpty, "paged at \(Self.describe(pages))")
    }

    @Test("Gaussian noise around a constant level pages nobody")
    func gaussianNoise() {
        var rng = SplitMix64(seed: 62)
        let series = (0..<Self.length).map { _ in 100 + 5 * rng.gaussian() }
        // Its new extremes and the level's chance wanderings are judged as a white series' (the forecast
        // does no better than the mean); one wandering reaches 4.5 of its own deviations and pages.
        Self.expectQuiet(
            Self.pages(of: series), known: "a chance level drift of 4.5 deviations pages once", atMost: 1)
    }

    @Test("A random walk pages nobody, its new highs and lows included")
    func randomWalk() {
        var rng = SplitMix64(seed: 63)
        var level = 500.0
        let series = (0..<Self.length).map { _ -> Double in
            level += rng.gaussian()
            return level
        }
        Self.expectQuiet(
            Self.pages(of: series), known: "the walk leaves its first 300 samples' range; a marginal level drift",
            atMost: 2)
    }

    @Test("A daily square wave with small noise pages nobody after its first rise and its first fall")
    func squareWave() {
        var rng = SplitMix64(seed: 64)
        let series = (0..<Self.length).map { t in
            (t % Self.day < Self.day / 2 ? 20.0 : 80.0) + 0.5 * rng.gaussian()
        }
        let pages = Self.pages(of: series)
        // The first rise, half a day into a series that was flat until then, is news, and so is the first
        // fall, to a quarter of a level that had held for 12 hours (the spike test's view of a drop as a
        // fraction of its forecast); every later edge is not.
        #expect(pages.allSatisfy { [Self.day / 2, Self.day].contains($0.sample) }, "paged at \(Self.describe(pages))")
    }

    /// A nightly job: 30 minutes at 5 times the usual level at 03:00.
    static func nightlyBurst() -> [Double] {
        var rng = SplitMix64(seed: 65)
        return (0..<length).map { t -> Double in
            let base = 40 + 2 * rng.gaussian()
            let minute = 5 * (t % day)
            return (180..<210).contains(minute) ? 5 * base : base
        }
    }

    @Test("A spike at the same time every day pages on its first days at most, then never")
    func dailyRecurringSpike() {
        let series = Self.nightlyBurst()
        let pages = Self.pages(of: series)
        let afterThirdDay = pages.filter { $0.sample >= 3 * Self.day }
        // Every night, by the prediction-error test at a surprise of 5-6: a recurring burst that the
        // forecast does not learn. Whether one is an incident is a team's convention (smd_asd labels
        // such events); a `normal` verdict teaches it, and a tail fit of the error averages that
        // would learn it cost NAB 5 points and smd_asd 9 (README).
        withKnownIssue("a nightly burst pages every night", isIntermittent: true) {
            #expect(afterThirdDay.isEmpty, "paged after its third day at \(Self.describe(afterThirdDay))")
        }
        #expect(pages.count <= Self.length / Self.day, "paged at \(Self.describe(pages))")
    }

    @Test("A one-sample spike every night, up to 35 minutes off its usual time, pages on its first days at most")
    func nightlySpikeOffItsTime() {
        // As NAB's `ec2_cpu_utilization_24ae8d`: a level of 0.13 and one sample at 1.5 every day, 3 hours to
        // 3 hours 35 minutes after the time of the series' first sample. Weighed against the values' unclipped
        // spread (the spikes' own), the time-of-day test took the series for a clean daily cycle and paged
        // on nights 2 to 7; it no longer speaks.
        var rng = SplitMix64(seed: 66)
        var jitter = SplitMix64(seed: 67)
        var spikeAt = 0
        let series = (0..<Self.length).map { t -> Double in
            if t % Self.day == 0 { spikeAt = 36 + Int(jitter.next() % 8) }
            return t % Self.day == spikeAt ? 1.5 : 0.13 + 0.005 * rng.gaussian()
        }
        let pages = Self.pages(of: series)
        print("nightly spike off its time: paged at \(Self.describe(pages))")
        #expect(!pages.contains { $0.reason == .timeOfDay }, "paged at \(Self.describe(pages))")
        // The spike test pages on the first 3 nights, until its tail has learned the spikes (on the 4th too
        // while it judged the forecast's error alone, not what the hour leaves unexplained), and the
        // errors' average twice in the last week.
        let afterThirdDay = pages.filter { $0.sample >= 3 * Self.day }
        withKnownIssue("the errors' average pages twice in the last week", isIntermittent: true) {
            #expect(afterThirdDay.isEmpty, "paged after its third day at \(Self.describe(afterThirdDay))")
        }
        #expect(pages.count <= 5, "paged at \(Self.describe(pages))")
    }

    @Test("A nightly burst its user marks normal at every page stops paging")
    func nightlyBurstMarkedNormal() {
        // The user of `replay --simulated-user`: each page marked normal 12 samples after it, over the
        // samples since the page, through the call POST /feedback makes.
        let series = Self.nightlyBurst()
        var pager = ServiceTelemetryTests.Pager(interval: 300)
        var pages: [Int] = []
        for t in series.indices {
            if pager.feed(series[t]).paged { pages.append(t) }
            if let page = pages.last, t == page + 12 {
                _ = pager.predictor.learn(.normal, from: pager.timestamp(of: page), to: pager.timestamp(of: t))
            }
        }
        print("nightly burst, each page marked normal: paged at \(pages)")
        // A verdict forgives what its stretch showed, to 0.8 of the alert level, and the forgiveness fades
        // over the fits' memory (2,000 samples, 7 days here): the next night a little louder than the
        // last pages again, every 3 or 4 nights, where without verdicts it pages every night.
        let lastTwoWeeks = pages.filter { $0 >= Self.length - 14 * Self.day }
        withKnownIssue("a nightly burst marked normal pages again once the forgiveness fades", isIntermittent: true) {
            #expect(lastTwoWeeks.isEmpty, "paged at \(lastTwoWeeks)")
        }
        #expect(pages.count <= 10, "paged at \(pages)")
    }
}
