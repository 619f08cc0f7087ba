import Foundation
import Logging
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing

@testable import StreamLSTMDaemon

/// A series book driven on a clock of the test's own: samples arrive when the test says, and the
/// book judges silence when the test sweeps, so every deadline is exact.
private final class ClockedBook {
    let book: SeriesBook
    let stats = EngineStats()
    private let raised = Protected<[Alert]>([])

    init(_ configure: (inout EngineConfig) -> Void = { _ in }) {
        var config = EngineConfig()
        config.training = false
        configure(&config)
        let network = Network(inputSize: config.predictor.inputSize, model: config.predictor.model)
        let raised = self.raised
        book = SeriesBook(
            label: "test", config: config, stats: stats,
            prior: Predictor.initialWeights(network, seed: config.predictor.seed), trainer: nil,
            learning: LearningSwitch(on: false), live: LiveSettingsBox(LiveSettings(config)),
            logger: Logger(label: "test"), alerts: AlertHandler { alert in raised.withLock { $0.append(alert) } })
    }

    var alerts: [Alert] { raised.withLock { $0 } }

    /// Samples that arrive at `time` (their own timestamp too), from `source`.
    func arrive(_ samples: [(key: String, value: Double)], at time: Double, from source: String = "producer p") {
        var batch = SampleBatch(
            samples: samples.map { Sample(key: $0.key, timestamp: time, value: $0.value) }, acceptOutOfOrder: false)
        batch.receivedAt = time
        batch.source = source
        book.process(batch)
    }

    func summary(_ key: String) -> SeriesSummary? { book.summaries.first { $0.key == key } }
}

@Suite("Series that go quiet or away")
struct AbsenceTests {
    static let start = 1_700_000_000.0

    @Test("The cadence is the median interval, whatever the jitter; regular pauses raise what silence is allowed")
    func cadenceLearning() {
        var rng = SplitMix64(seed: 3)
        var jittered = SeriesPresence()
        var pausing = SeriesPresence()
        var time = Self.start
        for index in 0..<600 {
            // 10 s ± 4 s, and one interval in eight skewed long (a mean would read 12.5 s).
            let gap = 10 + rng.uniform(bound: 4.0) + (index % 8 == 0 ? 20 : 0)
            time += gap
            _ = jittered.heard(value: 1, seen: time, gap: gap)
            // The same cadence, with a pause of 90 s every 25 samples (a producer's batch job).
            let pauseGap = index % 25 == 0 ? 90 : 10.0
            _ = pausing.heard(value: 1, seen: time, gap: pauseGap)
        }
        let interval = try! #require(jittered.interval)
        #expect(interval > 9 && interval < 12, "median interval \(interval) (10.6)")
        // After 3 intervals: 3 × 10 s; the regular gaps alone stay near the cadence.
        let plain = try! #require(jittered.allowedSilence(after: 3, minimumSeconds: 1))
        #expect(plain > 28 && plain < 80, "\(plain)")
        // The 90-s pauses are 4 % of the intervals: allowed silence covers them twice over.
        let paused = try! #require(pausing.allowedSilence(after: 3, minimumSeconds: 1))
        #expect(paused >= 150, "a pause seen every 25 samples must not be absence: \(paused)")
        // No cadence yet, no judgement.
        var young = SeriesPresence()
        _ = young.heard(value: 1, seen: 0, gap: nil)
        _ = young.heard(value: 1, seen: 10, gap: 10)
        #expect(young.allowedSilence(after: 10, minimumSeconds: 1) == nil)
    }

    @Test("A series that stops fires MetricAbsent at its deadline, with its last value; its next sample resolves it")
    func absentFiresAndResolves() throws {
        let clocked = ClockedBook()
        for t in 0..<20 { clocked.arrive([("a", Double(t))], at: Self.start + 60 * Double(t)) }
        let last = Self.start + 60 * 19
        // 10 intervals of 60 s: 600 s allowed.
        clocked.book.sweep(now: last + 599)
        #expect(clocked.alerts.isEmpty)
        clocked.book.sweep(now: last + 601)
        let fired = try #require(clocked.alerts.last)
        #expect(fired.status == .firing && fired.alertName == "MetricAbsent" && fired.reasonName == "absent")
        #expect(fired.startsAt == last + 600 && fired.value == 19 && fired.absence?.lastSeen == last)
        #expect(fired.fingerprint != SeriesKey.fingerprint("a"), "an alert of its own beside the anomaly alert")
        let payload = fired.json(sequence: 1, instance: "i")
        #expect(payload.contains(#""alertname":"MetricAbsent""#) && payload.contains(#""last_seen":""#))
        #expect(clocked.summary("a")?.absent == true && clocked.stats.absent.load(ordering: .relaxed) == 1)
        // Swept again: still one alert.
        clocked.book.sweep(now: last + 900)
        #expect(clocked.alerts.count == 1)
        clocked.arrive([("a", 20)], at: last + 1000)
        let resolved = try #require(clocked.alerts.last)
        #expect(resolved.status == .resolved && resolved.alertName == "MetricAbsent" && resolved.endsAt == last + 1000)
        #expect(clocked.summary("a")?.absent == false && clocked.stats.absent.load(ordering: .relaxed) == 0)
        // The outage is not learned as the cadence: the next silence is judged on 60 s again.
        for t in 1...3 { clocked.arrive([("a", 20)], at: last + 1000 + 60 * Double(t)) }
        clocked.book.sweep(now: last + 1180 + 601)
        #expect(clocked.alerts.count == 3 && clocked.alerts.last?.status == .firing)
    }

    @Test("An anomaly alert open when its series goes quiet is resolved as absence takes over")
    func openAlertResolvedByAbsence() throws {
        let clocked = ClockedBook()
        var rng = SplitMix64(seed: 11)
        for t in 0..<452 {
            let value = 10 + sin(Double(t) / 5) + 0.2 * rng.gaussian() + (t == 450 ? 25 : 0)
            clocked.arrive([("b", value)], at: Self.start + 60 * Double(t))
        }
        let spike = try #require(clocked.alerts.last)
        #expect(spike.status == .firing && spike.alertName == "MetricAnomaly", "\(clocked.alerts)")
        #expect(clocked.summary("b")?.alert == "firing")
        clocked.book.sweep(now: Self.start + 60 * 451 + 601)
        let after = Array(clocked.alerts.suffix(2))
        #expect(after.map(\.alertName) == ["MetricAnomaly", "MetricAbsent"])
        #expect(after.map(\.status) == [.resolved, .firing])
        #expect(after[0].fingerprint == spike.fingerprint && after[0].startsAt == spike.startsAt)
        #expect(clocked.summary("b")?.alert == "normal")
    }

    @Test("2,000 series of one producer going quiet give one ProducerAbsent alert and no storm; a few give their own")
    func producerStorm() throws {
        let clocked = ClockedBook()
        let keys = (0..<2000).map { "host.metric\($0)" }
        let others = (0..<4).map { "other.metric\($0)" }
        // Every series reports every 10 s, spread over the interval: one per 5 ms.
        for round in 0..<5 {
            for (index, key) in keys.enumerated() {
                clocked.arrive([(key, Double(round))], at: Self.start + 10 * Double(round) + 0.005 * Double(index))
            }
            for key in others { clocked.arrive([(key, 1)], at: Self.start + 10 * Double(round), from: "producer q") }
        }
        // Both producers stop. Every second a sweep, as the daemon does, until well past every deadline.
        let lastRound = Self.start + 40
        for second in 1...200 { clocked.book.sweep(now: lastRound + Double(second)) }
        let storm = clocked.alerts.filter { $0.alertName == "ProducerAbsent" }
        #expect(storm.count == 1, "\(storm.map(\.summary))")
        #expect(storm.first?.absence?.producer == "producer p" && storm.first?.absence?.quietSeries == 2000)
        #expect(storm.first?.status == .firing)
        let single = clocked.alerts.filter { $0.alertName == "MetricAbsent" }
        #expect(single.count == 4 && single.allSatisfy { $0.seriesKey.hasPrefix("other.") }, "\(single.count)")
        #expect(clocked.stats.absent.load(ordering: .relaxed) == 2004)
        // The producer comes back: its alert resolves at the next sweep, and its series resolve nothing each.
        for (index, key) in keys.enumerated() {
            clocked.arrive([(key, 9)], at: lastRound + 300 + 0.001 * Double(index))
        }
        clocked.book.sweep(now: lastRound + 303)
        let after = clocked.alerts.filter { $0.alertName == "ProducerAbsent" }
        #expect(after.count == 2 && after.last?.status == .resolved)
        #expect(clocked.alerts.filter { $0.alertName == "MetricAbsent" }.count == 4)
    }

    @Test("A series past series_ttl is forgotten: its slot under the cap goes to a new series, its bytes are freed")
    func expiry() throws {
        let clocked = ClockedBook { config in
            config.maxSeries = 3
            config.absence.seriesTTL = 3600
        }
        for t in 0..<5 {
            clocked.arrive([("a", 1), ("b", 2), ("c", 3)], at: Self.start + 60 * Double(t))
        }
        let bytes = clocked.stats.seriesBytes.load(ordering: .relaxed)
        // c goes on; a and b stop. An hour on, at the cap, a new series d arrives.
        for t in 5..<70 { clocked.arrive([("c", 3)], at: Self.start + 60 * Double(t)) }
        clocked.arrive([("c", 3), ("d", 4)], at: Self.start + 60 * 70)
        #expect(clocked.book.summaries.map(\.key).sorted() == ["c", "d"])
        #expect(clocked.stats.snapshot.expired == 2 && clocked.stats.snapshot.rejected(.seriesLimit) == 0)
        #expect(clocked.stats.series.load(ordering: .relaxed) == 2)
        #expect(clocked.stats.seriesBytes.load(ordering: .relaxed) < bytes)
        #expect(Set(clocked.book.snapshots().map(\.key)) == ["c", "d"])
        // Absent before it expired: the absent alert is resolved when it goes.
        let absentOnes = clocked.alerts.filter { $0.alertName == "MetricAbsent" }
        #expect(absentOnes.filter { $0.status == .firing }.count == 2)
        #expect(absentOnes.filter { $0.status == .resolved }.count == 2)
        #expect(clocked.stats.absent.load(ordering: .relaxed) == 0)
    }

    @Test("A replayed recording's series that end with it are not absent; a checkpoint keeps presence")
    func recordingEndAndCheckpoint() throws {
        let clocked = ClockedBook()
        for t in 0..<10 { clocked.arrive([("a", Double(t))], at: Self.start + 60 * Double(t)) }
        clocked.book.endOfRecording()
        clocked.book.sweep(now: Self.start + 86_400)
        #expect(clocked.alerts.isEmpty)
        // The record round-trips through its bytes, cadence and absence included.
        clocked.book.sweep(now: Self.start)  // nothing
        var record = SeriesRecord(identity: SeriesIdentity(key: "x"))
        _ = record.presence.heard(value: 4, seen: 100, gap: nil)
        for t in 1...5 { _ = record.presence.heard(value: 5, seen: 100 + 30 * Double(t), gap: 30) }
        record.presence.absence = SeriesPresence.Absence(since: 900, announced: true)
        record.presence.source = "producer p"
        var writer = ByteWriter()
        record.encode(into: &writer)
        var reader = ByteReader(writer.bytes[...])
        let back = try SeriesRecord.decode(from: &reader)
        #expect(back.presence == record.presence && abs((back.presence.interval ?? 0) - 30) < 1e-9)
    }
}
