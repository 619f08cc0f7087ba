import RealModule
import Testing

@testable import StreamLSTM

@Suite("The past week's range")
struct RecentRangeTests {
    static let day = 86_400.0
    /// Midnight UTC, so that hour h of the test is hour h of its day.
    static let start = 1_700_006_400.0

    /// A range fed hourly values cycling through 10...20 for `hours` hours from `start`.
    static func ordinary(hours: Int) -> RecentRange {
        var range = RecentRange()
        for h in 0..<hours { range.observe(10 + Double(h % 11), at: start + 3600 * Double(h), burst: false) }
        return range
    }

    @Test("Silent for the first day, then measured in widths of the week's ordinary range past the margin")
    func widths() {
        let young = Self.ordinary(hours: 24)
        #expect(young.beyond(100, at: Self.start + 23 * 3600, margin: 2) == nil)
        let range = Self.ordinary(hours: 25)
        let now = Self.start + Self.day
        #expect(range.beyond(100, at: now, margin: 2) == 6)  // (100 − (20 + 2 · 10)) / 10
        #expect(range.beyond(39, at: now, margin: 2) == nil)
        #expect(range.beyond(-15, at: now, margin: 2) == 0.5)  // below 10 − 2 · 10 by 5
    }

    @Test("Incidents are kept apart, and a burst is remembered today and yesterday only")
    func bursts() {
        var range = Self.ordinary(hours: 48)
        let burstAt = Self.start + 47 * 3600
        range.observe(100, at: burstAt, burst: true)
        // The next incident is judged against the ordinary range, past the recent burst by a quarter of its excursion.
        #expect(range.beyond(110, at: burstAt + 3600, margin: 2) == nil)  // 100 + 0.25 · 80 = 120
        #expect(range.beyond(130, at: burstAt + 3600, margin: 2) == 1)
        // The next day the burst is yesterday's, the day after it is forgotten.
        range.observe(15, at: burstAt + 2 * 3600, burst: false)
        #expect(range.beyond(110, at: burstAt + 2 * 3600, margin: 2) == nil)
        range.observe(15, at: burstAt + Self.day + 3600, burst: false)
        #expect(range.beyond(110, at: burstAt + Self.day + 3600, margin: 2) == 7)  // (110 − 40) / 10
    }

    @Test("A day leaves the range a week later, and after a week without samples it starts anew")
    func forgetting() {
        var range = RecentRange()
        range.observe(50, at: Self.start, burst: false)
        for d in 1...7 {
            range.observe(10, at: Self.start + Double(d) * Self.day, burst: false)
            range.observe(20, at: Self.start + Double(d) * Self.day + 3600, burst: false)
        }
        #expect(range.beyond(150, at: Self.start + 7 * Self.day + 3600, margin: 2) == 0.5)  // 10...50: (150 − 130) / 40
        range.observe(15, at: Self.start + 8 * Self.day, burst: false)
        #expect(range.beyond(150, at: Self.start + 8 * Self.day, margin: 2) == 11)  // day 0 gone, 10...20: 110 / 10

        let later = Self.start + 30 * Self.day
        range.observe(15, at: later, burst: false)
        range.observe(16, at: later + 3600, burst: false)
        #expect(range.beyond(1000, at: later + 3600, margin: 2) == nil)
    }

    @Test("Days skipped by a gap are cleared, and the day moves on before a sample is judged")
    func gaps() {
        var range = RecentRange()
        range.observe(50, at: Self.start, burst: false)
        range.observe(10, at: Self.start + 3600, burst: false)
        range.observe(100, at: Self.start + 2 * 3600, burst: true)
        for d in 1...2 { range.observe(20, at: Self.start + Double(d) * Self.day, burst: false) }
        // Three days later: days 0-2 are still in the week, the burst of day 0 is not remembered.
        let later = Self.start + 5 * Self.day
        range.advance(to: later)
        #expect(range.beyond(110, at: later, margin: 2) == nil)  // 10...50: up to 130
        #expect(range.beyond(170, at: later, margin: 2) == 1)
        // Eight days after day 0, judged before anything of that day is learned: day 0 is gone.
        let eighth = Self.start + 8 * Self.day
        range.advance(to: eighth)
        #expect(range.beyond(60, at: eighth, margin: 2) == nil)  // days 1-2 only: 20...20, no spread
        range.observe(10, at: eighth, burst: false)
        #expect(range.beyond(60, at: eighth, margin: 2) == 2)  // 10...20: (60 − 40) / 10
    }

    @Test("A damaged range in a record is refused: a NaN, a low above its high, a day no timestamp gives")
    func damagedRecord() throws {
        let range = Self.ordinary(hours: 30)
        var writer = ByteWriter()
        range.encode(into: &writer)
        var reader = ByteReader(writer.bytes[...])
        #expect(try RecentRange(decoding: &reader) == range)
        var empty = ByteWriter()
        RecentRange().encode(into: &empty)
        var emptyReader = ByteReader(empty.bytes[...])
        #expect(try RecentRange(decoding: &emptyReader) == RecentRange())
        // Doubles in order: 8 lows, 8 highs, two bursts' low and high, then the day and the first time.
        func damaged(_ index: Int, _ value: UInt64) -> [UInt8] {
            var bytes = writer.bytes
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange((8 * index)..<(8 * index + 8), with: $0) }
            return bytes
        }
        let dayIndex = 20
        for bytes in [
            damaged(0, Double.nan.bitPattern), damaged(8, Double.nan.bitPattern),
            damaged(0, (1e9 as Double).bitPattern), damaged(17, (5 as Double).bitPattern),
            damaged(dayIndex, UInt64(bitPattern: Int64.min + 1)),
        ] {
            var damagedReader = ByteReader(bytes[...])
            #expect(throws: SerializationError.self) { try RecentRange(decoding: &damagedReader) }
        }
    }

    /// Unheld scores of an hourly series with a daily cycle (level 100, ±50, noise 8) and `spikes`
    /// (hour: times the level) through the predictor, training as the daemon does.
    static func hourly(hours: Int, spikes: [Int: Double], recentRangeMargin: Double) -> [AnomalyScore] {
        var config = PredictorConfig()
        config.scorer.recentRangeMargin = recentRangeMargin
        var driver = Driver(config: config, interval: 3600)
        var rng = SplitMix64(seed: 5)
        var values: [Double] = []
        for h in 0..<hours {
            let cycle = 50 * Double.sin(2 * Double.pi * Double(h % 24) / 24)
            let ordinary = 100 + cycle + 8 * rng.gaussian()
            values.append(spikes[h].map { 100 * $0 } ?? ordinary)
        }
        driver.feed(values)
        return driver.results.map(\.anomaly)
    }

    @Test("A second incident a third the size of the first, days later, pages against the week's range")
    func smallerSecondIncident() {
        // 3 and 9 times the week's maximum (about 165).
        let spikes: [Int: Double] = [100: 15, 101: 15, 200: 5]
        let threshold = ScorerConfig().threshold
        let with = Self.hourly(hours: 260, spikes: spikes, recentRangeMargin: 2)
        let without = Self.hourly(hours: 260, spikes: spikes, recentRangeMargin: -1)
        #expect(with[100].unheldScore >= threshold && without[100].unheldScore >= threshold)
        #expect(with[200].unheldScore >= threshold && with[200].reason == .outOfRange, "\(with[200])")
        // Without it the whole-series range waits 300 samples, and the fits have learned the first incident.
        #expect(without[200].unheldScore < threshold, "\(without[200])")
        // The clean hours after the second incident stay quiet either way.
        #expect((203..<260).allSatisfy { with[$0].unheldScore < threshold })
    }

    @Test("A burst that recurs at the same hour every day pages out of the week's range at most once")
    func dailyBurst() {
        let spikes = Dictionary(uniqueKeysWithValues: (2..<14).map { (24 * $0 + 3, 6.0) })
        let scores = Self.hourly(hours: 24 * 14, spikes: spikes, recentRangeMargin: 2)
        let threshold = ScorerConfig().threshold
        let outOfRange = spikes.keys.sorted().filter {
            scores[$0].reason == .outOfRange && scores[$0].unheldScore >= threshold
        }
        let first = spikes.keys.min()!
        #expect(scores[first].unheldScore >= threshold, "the first burst paged nobody: \(scores[first])")
        #expect(outOfRange.count <= 1, "bursts paged out of range at hours \(outOfRange)")
    }
}
