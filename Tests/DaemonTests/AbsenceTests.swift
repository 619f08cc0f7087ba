import Foundation
import Logging
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing

@testable import StreamLSTMDaemon

/// A series book driven on a clock of the test's own: samples arrive when the test says, and the
/// book judges silence when the test sweeps, so every deadline is exact.
final class ClockedBook {
    let book: SeriesBook
    let stats = EngineStats()
    let live: LiveSettingsBox
    private let raised = Protected<[Alert]>([])

    /// `startedAt`: the daemon's start, before which no silence counts (-∞: a replay's book).
    init(startedAt epoch: Double = -.infinity, _ configure: (inout EngineConfig) -> Void = { _ in }) {
        var config = EngineConfig()
        config.training = false
        configure(&config)
        let raised = self.raised
        live = LiveSettingsBox(LiveSettings(config))
        book = SeriesBook.standalone(
            config: config, stats: stats, live: live, absenceEpoch: epoch,
            alerts: AlertHandler { alert in raised.withLock { $0.append(alert) } })
    }

    /// A reload's new settings.
    func reload(_ change: (inout LiveSettings) -> Void) {
        var settings = live.current
        change(&settings)
        live.set(settings)
    }

    var absentCount: Int { stats.absent.load(ordering: .relaxed) }

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
            _ = jittered.heard(value: 1, timestamp: time, seen: time, gap: gap)
            // The same cadence, with a pause of 90 s every 25 samples (a producer's batch job).
            let pauseGap = index % 25 == 0 ? 90 : 10.0
            _ = pausing.heard(value: 1, timestamp: time, seen: time, gap: pauseGap)
        }
        let interval = try! #require(jittered.typicalInterval)
        #expect(interval > 9 && interval < 12, "median interval \(interval) (10.6)")
        // After 3 intervals: 3 × 10 s; the regular gaps alone stay near the cadence.
        let plain = try! #require(jittered.allowedSilence(after: 3, minimumSeconds: 1))
        #expect(plain > 28 && plain < 80, "\(plain)")
        // The 90-s pauses are 4 % of the intervals: allowed silence covers them twice over.
        let paused = try! #require(pausing.allowedSilence(after: 3, minimumSeconds: 1))
        #expect(paused >= 150, "a pause seen every 25 samples must not be absence: \(paused)")
        // No cadence yet, no judgement.
        var young = SeriesPresence()
        _ = young.heard(value: 1, timestamp: 0, seen: 0, gap: nil)
        _ = young.heard(value: 1, timestamp: 10, seen: 10, gap: 10)
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
        // Swept again: still one alert; a re-send interval (300 s) after it went out, a re-send, marked so.
        clocked.book.sweep(now: last + 900)
        #expect(clocked.alerts.count == 1)
        clocked.book.sweep(now: last + 901)
        #expect(clocked.alerts.count == 2 && clocked.alerts[1].isResend && clocked.alerts[1].kind == "resent")
        #expect(clocked.alerts[1].startsAt == fired.startsAt && clocked.stats.snapshot.incidents == 1)
        clocked.arrive([("a", 20)], at: last + 1000)
        let resolved = try #require(clocked.alerts.last)
        #expect(resolved.status == .resolved && resolved.alertName == "MetricAbsent" && resolved.endsAt == last + 1000)
        #expect(clocked.summary("a")?.absent == false && clocked.stats.absent.load(ordering: .relaxed) == 0)
        // The outage is not learned as the cadence: the next silence is judged on 60 s again.
        for t in 1...3 { clocked.arrive([("a", 20)], at: last + 1000 + 60 * Double(t)) }
        clocked.book.sweep(now: last + 1180 + 601)
        #expect(clocked.alerts.count == 4 && clocked.alerts.last?.status == .firing)
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
        // A re-send interval (300 s) after it went out, it goes again, marked, with the count as it is then.
        clocked.book.sweep(now: lastRound + 200 + 300)
        let resent = clocked.alerts.filter { $0.alertName == "ProducerAbsent" }.dropFirst()
        #expect(resent.count == 1 && resent.first?.isResend == true && resent.first?.startsAt == storm[0].startsAt)
        // What `streamlstmd alerts` prints of it: one line that says how many series went quiet.
        let line = AlertLine.format(
            topic: Array(storm[0].topic.utf8), payload: Array(storm[0].json(sequence: 1, instance: "i").utf8))
        #expect(line.hasPrefix("FIRING") && line.contains("2000 series quiet") && line.hasSuffix("(absent)"), "\(line)")
        #expect(storm.first?.absence?.producer == "producer p" && storm.first?.absence?.quietSeries == 2000)
        #expect(storm.first?.status == .firing)
        let single = clocked.alerts.filter { $0.alertName == "MetricAbsent" && !$0.isResend }
        #expect(single.count == 4 && single.allSatisfy { $0.seriesKey.hasPrefix("other.") }, "\(single.count)")
        #expect(clocked.stats.absent.load(ordering: .relaxed) == 2004)
        // The producer comes back: its alert resolves at the next sweep, and its series resolve nothing each.
        for (index, key) in keys.enumerated() {
            clocked.arrive([(key, 9)], at: lastRound + 600 + 0.001 * Double(index))
        }
        clocked.book.sweep(now: lastRound + 603)
        let after = clocked.alerts.filter { $0.alertName == "ProducerAbsent" }
        #expect(after.count == 3 && after.last?.status == .resolved)
        #expect(clocked.alerts.filter { $0.alertName == "MetricAbsent" && !$0.isResend }.count == 4)
        #expect(clocked.stats.snapshot.incidents == 5, "one storm and four series: re-sends are not incidents")
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
        #expect(absentOnes.filter { $0.status == .firing && !$0.isResend }.count == 2)
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
        var record = SeriesRecord(identity: SeriesIdentity(key: "x"))
        _ = record.presence.heard(value: 4, timestamp: 100, seen: 100, gap: nil)
        for t in 1...5 {
            let time = 100 + 30 * Double(t)
            _ = record.presence.heard(value: 5, timestamp: time, seen: time, gap: 30)
        }
        record.presence.absence = SeriesPresence.Absence(since: 900, announced: true)
        record.presence.source = "producer p"
        var writer = ByteWriter()
        record.encode(into: &writer)
        var reader = ByteReader(writer.bytes[...])
        let back = try SeriesRecord.decode(from: &reader)
        #expect(back.presence == record.presence && abs((back.presence.typicalInterval ?? 0) - 30) < 1e-9)
    }

    /// A series of `key` every 60 s for `count` samples from `start`, as a daemon hears it.
    fileprivate static func feed(_ clocked: ClockedBook, _ key: String, count: Int = 10, from start: Double = start) {
        for t in 0..<count { clocked.arrive([(key, Double(t))], at: start + 60 * Double(t)) }
    }

    @Test("A restored absent series counts in the gauge, and its return takes it out: the gauge never goes below zero")
    func gaugeAcrossRestore() throws {
        let before = ClockedBook()
        Self.feed(before, "a")
        before.book.sweep(now: Self.start + 60 * 9 + 700)
        #expect(before.absentCount == 1)
        let after = ClockedBook(startedAt: Self.start + 86_400)
        after.book.restore(before.book.snapshots())
        #expect(after.absentCount == 1 && after.summary("a")?.absent == true)
        after.arrive([("a", 1)], at: Self.start + 86_400 + 10)
        #expect(after.absentCount == 0 && after.alerts.map(\.status) == [.resolved])
    }

    @Test("A reload that switches absence off resolves the absent alerts that were out")
    func switchedOffResolves() throws {
        let clocked = ClockedBook()
        Self.feed(clocked, "a")
        clocked.book.sweep(now: Self.start + 60 * 9 + 700)
        #expect(clocked.alerts.map(\.status) == [.firing] && clocked.absentCount == 1)
        clocked.reload { $0.absence.enabled = false }
        clocked.book.sweep(now: Self.start + 60 * 9 + 800)
        #expect(clocked.alerts.map(\.status) == [.firing, .resolved] && clocked.absentCount == 0)
        #expect(clocked.alerts.last?.alertName == "MetricAbsent" && clocked.summary("a")?.absent == false)
    }

    @Test("When a producer's storm ends with some of its series still quiet, those are announced one by one")
    func stormEndsWithStragglers() throws {
        let clocked = ClockedBook()
        let keys = (0..<20).map { "host.m\($0)" }
        for t in 0..<5 { clocked.arrive(keys.map { ($0, 1.0) }, at: Self.start + 10 * Double(t)) }
        for second in 1...200 { clocked.book.sweep(now: Self.start + 40 + Double(second)) }
        #expect(clocked.alerts.map(\.alertName) == ["ProducerAbsent"])
        // 15 come back; 5 (a quarter, below storm_fraction) stay quiet.
        clocked.arrive(keys.prefix(15).map { ($0, 1.0) }, at: Self.start + 300)
        clocked.book.sweep(now: Self.start + 301)
        let after = clocked.alerts.dropFirst()
        #expect(after.first?.alertName == "ProducerAbsent" && after.first?.status == .resolved)
        let announced = after.filter { $0.alertName == "MetricAbsent" }
        #expect(announced.map(\.seriesKey) == keys.suffix(5).sorted(), "in key order: \(announced.map(\.seriesKey))")
        #expect(announced.allSatisfy { $0.status == .firing && $0.startsAt < Self.start + 300 })
        #expect(clocked.absentCount == 5)
    }

    @Test("series_ttl counts from the last sample across a restart, not from the restart")
    func expiryAcrossRestart() throws {
        let before = ClockedBook { $0.absence.seriesTTL = 3600 }
        Self.feed(before, "a")
        let restartedAt = Self.start + 60 * 9 + 1800
        let after = ClockedBook(startedAt: restartedAt) { $0.absence.seriesTTL = 3600 }
        after.stats.series.store(1, ordering: .relaxed)  // as Engine.restore admits it
        after.book.restore(before.book.snapshots())
        after.book.sweep(now: Self.start + 60 * 9 + 3599)
        #expect(after.book.count == 1)
        after.book.sweep(now: Self.start + 60 * 9 + 3601)
        #expect(after.book.count == 0 && after.stats.snapshot.expired == 1)
    }

    @Test("Series due in one sweep raise their alerts in key order, whatever the book's order")
    func sweepOrder() throws {
        let clocked = ClockedBook()
        let keys = ["d", "a", "c", "b", "e"]
        for t in 0..<5 {
            clocked.arrive(keys.map { ($0, 1.0) }, at: Self.start + 60 * Double(t), from: "producer \(t)")
        }
        // Sources differ per sample: each series' source is its last one; no storm of 5 (below storm_min_series).
        clocked.book.sweep(now: Self.start + 240 + 700)
        #expect(clocked.alerts.map(\.seriesKey) == ["a", "b", "c", "d", "e"])
    }

    @Test("A producer that delivers 15-s samples in one message every 5 min is not absent between messages")
    func batchedDelivery() throws {
        let clocked = ClockedBook { $0.absence.minimumSeconds = 1 }
        for message in 0..<12 {
            let arrival = Self.start + 300 * Double(message + 1)
            for t in 0..<20 {
                var batch = SampleBatch(
                    samples: [
                        Sample(key: "batched", timestamp: Self.start + 300 * Double(message) + 15 * Double(t), value: 1)
                    ],
                    acceptOutOfOrder: false)
                batch.receivedAt = arrival
                batch.source = "producer p"
                clocked.book.process(batch)
            }
            // Swept every minute until the next message: 10 intervals of 15 s is 150 s, but the gaps
            // between arrivals are 5 min.
            for minute in 1...4 { clocked.book.sweep(now: arrival + 60 * Double(minute)) }
        }
        #expect(clocked.alerts.isEmpty, "\(clocked.alerts.map(\.summary))")
        // A real silence still counts: twice the longest gap between messages.
        clocked.book.sweep(now: Self.start + 300 * 12 + 601)
        #expect(clocked.alerts.map(\.alertName) == ["MetricAbsent"])
    }

    @Test("An incident's notices keep the labels it fired with when a reload changes its rule's labels")
    func labelsKeptThroughReload() throws {
        let rules = { (team: String) in try configuredRules("  - match: '{}'\n    labels: {team: \(team)}\n") }
        let first = try rules("a")
        let clocked = ClockedBook { $0.rules = first }
        var rng = SplitMix64(seed: 11)
        for t in 0..<452 {
            let value = 10 + sin(Double(t) / 5) + 0.2 * rng.gaussian() + (t == 450 ? 25 : 0)
            clocked.arrive([("b", value)], at: Self.start + 60 * Double(t))
        }
        #expect(clocked.alerts.last?.status == .firing && clocked.alerts.last?.extraLabels == ["team": "a"])
        let second = try rules("b")
        clocked.reload { $0.rules = second }
        // It goes quiet: the anomaly alert resolves under team=a; the absent alert fires under team=b.
        clocked.book.sweep(now: Self.start + 60 * 451 + 601)
        let last = Array(clocked.alerts.suffix(2))
        #expect(
            last.map(\.status) == [.resolved, .firing] && last.map(\.alertName) == ["MetricAnomaly", "MetricAbsent"])
        #expect(last.map(\.extraLabels) == [["team": "a"], ["team": "b"]])
    }

    /// Replays `schedule` (the clock's steps, in seconds from the start, and the samples that arrive at
    /// each) into a book that sweeps whenever the clock has passed a second since its last sweep (as a
    /// replay did) and one that skips the sweeps that cannot find anything (`sweepIfDue`).
    private static func sweptBothWays(
        _ schedule: [(time: Double, samples: [(key: String, value: Double)])]
    ) -> (everySecond: ClockedBook, whenDue: ClockedBook) {
        let configure: (inout EngineConfig) -> Void = { $0.absence.seriesTTL = 4000 }
        let everySecond = ClockedBook(configure)
        let whenDue = ClockedBook(configure)
        var lastSweep = -Double.infinity
        for (time, samples) in schedule {
            let clock = Self.start + time
            if clock - lastSweep >= 1 {
                everySecond.book.sweep(now: clock)
                lastSweep = clock
            }
            whenDue.book.sweepIfDue(now: clock)
            if !samples.isEmpty {
                everySecond.arrive(samples, at: clock)
                whenDue.arrive(samples, at: clock)
            }
        }
        return (everySecond, whenDue)
    }

    /// The clock from 0 to `end` in steps of `step` seconds (with a jump back of `back` seconds at
    /// `backAt`), and at each step the samples of the series whose period a step crossed.
    private static func schedule(
        step: Double, end: Double, back: (at: Double, by: Double)? = nil,
        _ periods: (Double) -> [(key: String, period: Double)]
    ) -> [(time: Double, samples: [(key: String, value: Double)])] {
        var result: [(time: Double, samples: [(key: String, value: Double)])] = []
        var time = 0.0
        var jumped = false
        var previous = -Double.infinity
        while time < end {
            let samples = periods(time).filter {
                previous < 0 || (time / $0.period).rounded(.down) != (previous / $0.period).rounded(.down)
            }
            .map { (key: $0.key, value: time.truncatingRemainder(dividingBy: 7)) }
            result.append((time, samples))
            previous = time
            if let back, !jumped, time >= back.at {
                time -= back.by
                jumped = true
            }
            time += step
        }
        return result
    }

    @Test(
        "A replay's sweeps, skipped while nothing can fall due, raise what sweeps every second raise",
        arguments: [1.0, 0.7])
    func skippedSweepsMissNothing(step: Double) {
        // A producer of 12 series every 60 s of which 10 stop together (a storm, announced one by one as
        // it ends when 3 come back) and then expire; the clock jumps back 150 s once (a CSV out of
        // order); and, alone, a series whose cadence tightens from 300 s to 20 s before it stops (its
        // deadline moves while sweeps are skipped). Clock steps of 0.7 s hold the skipped sweeps to the
        // seconds the reference sweeps at: a deadline is found at the same sweep.
        let storm = Self.schedule(step: step, end: 12_000, back: (at: 5000, by: 150)) { time in
            (0..<12).filter { time < 3000 || $0 >= 10 || (time >= 6000 && $0 < 3) }.map { ("p.s\($0)", 60) }
        }
        let tightening = Self.schedule(step: step, end: 8000) { time in
            time < 3000 ? [("fast", 300)] : time < 4000 ? [("fast", 20)] : []
        }
        for (name, schedule) in [("storm", storm), ("tightening", tightening)] {
            let (everySecond, whenDue) = Self.sweptBothWays(schedule)
            // Compared as text: an absent alert's value-less fields are NaN, which no `==` holds for.
            let reference = everySecond.alerts.map { String(describing: $0) }
            let skipping = whenDue.alerts.map { String(describing: $0) }
            #expect(skipping == reference, "\(name): \(skipping.count) alerts against \(reference.count)")
            #expect(whenDue.stats.snapshot.expired == everySecond.stats.snapshot.expired, "\(name)")
            #expect(whenDue.absentCount == everySecond.absentCount, "\(name)")
            // What the scenario is for happened.
            let names = Set(everySecond.alerts.map(\.alertName))
            if name == "storm" {
                #expect(names == ["MetricAbsent", "ProducerAbsent"], "\(names)")
                #expect(everySecond.stats.snapshot.expired > 0)
            } else {
                #expect(everySecond.alerts.first?.alertName == "MetricAbsent", "\(names)")
            }
        }
    }
}
