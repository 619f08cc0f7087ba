import Foundation
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTM
@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Verdicts through the built daemon: `POST /feedback` (Foundation's HTTP client) and the
/// `feedback` command, the alert they resolve, the journal in the state directory, the refusals,
/// and `evaluate` scoring a recording against the journal's windows.
@Suite("Feedback: verdicts through the built daemon")
struct FeedbackTests {
    struct Daemon {
        let process: RunningDaemon
        let http: String
        let input: String
        let alerts: String

        init(state: URL) throws {
            process = try RunningDaemon.onLoopback([
                "--http", "127.0.0.1:0", "--shards", "1", "--state-dir", state.path,
            ])
            let endpoints = try process.loopbackEndpoints()
            (input, alerts, http) = (endpoints.input, endpoints.alerts, endpoints.http)
        }

        func post(_ body: String) throws -> (status: Int, body: String) {
            try httpRequest("POST", "http://\(http)/feedback", json: body)
        }

        func alertState(_ key: String) throws -> String? {
            try seriesList(http).first { $0.key == key }?.alert
        }
    }

    static let series = "fb.cpu"
    static let start = 1_700_000_000.0
    static func time(_ t: Int) -> Double { start + 60 * Double(t) }

    /// Minute samples of a sine with noise, 30 higher at `spikes`.
    static func values(_ range: Range<Int>, spikes: Set<Int>) -> [(time: Double, value: Double)] {
        var rng = SplitMix64(seed: 7)
        var rows: [(Double, Double)] = []
        for t in 0..<range.upperBound {
            let value = 10 + sin(Double(t) / 10) + 0.1 * rng.gaussian() + (spikes.contains(t) ? 30 : 0)
            if t >= range.lowerBound { rows.append((time(t), value)) }
        }
        return rows
    }

    static let spikes: Set<Int> = [600, 700]

    static func send(_ range: Range<Int>, to input: String) throws {
        let producer = try Producer(connect: input)
        let rows = values(range, spikes: spikes)
        for start in stride(from: 0, to: rows.count, by: 50) {
            try producer.send(
                rows[start..<min(start + 50, rows.count)].map { "\(series) \($0.value) \(Int($0.time))" }
                    .joined(separator: "\n"))
        }
        producer.close()
    }

    static func body(from: Double, to: Double, _ verdict: String, series: String = series) -> String {
        #"{"series": "\#(series)", "from": \#(from), "to": \#(to), "verdict": "\#(verdict)"}"#
    }

    @Test(
        "Marked normal, a false alert resolves with reason feedback; bad verdicts are refused and change nothing; the journal survives a restart; evaluate scores a recording against it"
    )
    func verdictsThroughTheDaemon() throws {
        let state = try makeTemporaryFolder("feedback-state")
        let journal = state.appendingPathComponent("feedback.jsonl")
        let windows = state.appendingPathComponent("feedback.json")
        var daemon = try Daemon(state: state)
        let received = Protected<[ReceivedAlert]>([])
        let subscriber = try AlertSubscriber(endpoint: daemon.alerts) { alert in received.withLock { $0.append(alert) }
        }
        try Self.send(0..<605, to: daemon.input)
        try waitUntil("the spike at 600 fires") {
            received.withLock { $0 }.contains { $0.status == "firing" && $0.sampleTime == Self.time(600) }
        }

        // Refused, and nothing changes: no journal, the alert still open.
        let refusals: [(String, Int, String)] = [
            (
                Self.body(from: Self.time(600), to: Self.time(601), "normal", series: "no.such"), 404,
                "no series no.such"
            ),
            (Self.body(from: Self.time(601), to: Self.time(600), "normal"), 400, "is before from"),
            (Self.body(from: Self.time(900), to: Self.time(901), "normal"), 422, "after the series' newest sample"),
            (#"{"series": "fb.cpu", "from": 1, "to": 2, "verdict": "maybe"}"#, 400, "verdict must be"),
            ("[1, 2]", 400, "expected a JSON object"),
            (#"{"series": "fb.cpu", "from": "yesterday", "to": 2, "verdict": "normal"}"#, 400, "from must be"),
        ]
        for (body, status, message) in refusals {
            let answer = try daemon.post(body)
            #expect(answer.status == status && answer.body.contains(message), "\(body): \(answer)")
        }
        let refused = try BuiltBinary.run([
            "feedback", "--series", "no.such", "--from", "\(Self.time(600))", "--to", "\(Self.time(601))", "normal",
            "--http", daemon.http,
        ])
        #expect(refused.status == EX_DATAERR && refused.standardError.contains("no series no.such"))
        #expect(!FileManager.default.fileExists(atPath: journal.path))
        #expect(try daemon.alertState(Self.series) == "firing")

        // The command marks the alert normal: it resolves with reason feedback, and the verdict is kept.
        let marked = try BuiltBinary.run([
            "feedback", "--series", Self.series, "--from", rfc3339(Self.time(600)), "--to", rfc3339(Self.time(604)),
            "normal", "--note", "a deploy", "--http", daemon.http,
        ])
        #expect(marked.status == 0 && marked.standardOutput.contains(#""resolved_alert":true"#), "\(marked)")
        try waitUntil("the alert resolved by feedback") {
            received.withLock { $0 }.contains { $0.status == "resolved" && $0.reason == "feedback" }
        }
        #expect(try daemon.alertState(Self.series) == "normal")
        #expect(try String(contentsOf: journal, encoding: .utf8).contains(#""verdict":"normal","note":"a deploy""#))

        // The second spike confirmed as an anomaly: a window in feedback.json.
        try Self.send(605..<720, to: daemon.input)
        try waitUntil("720 samples in") { try seriesList(daemon.http).first?.samples == 720 }
        let confirmed = try daemon.post(Self.body(from: Self.time(699), to: Self.time(702), "anomaly"))
        #expect(confirmed.status == 200, "\(confirmed)")
        subscriber.stop()

        // Kept across a restart: the next verdict is appended to the same journal.
        _ = try daemon.process.terminate()
        daemon = try Daemon(state: state)
        #expect(try daemon.post(Self.body(from: Self.time(710), to: Self.time(711), "normal")).status == 200)
        let lines = try String(contentsOf: journal, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3, "\(lines)")
        let labelled = try LabelledWindows.load(windows.path)
        #expect(labelled[Self.series]?.count == 1 && labelled[Self.series]?.first?.start == Self.time(699))

        // The user's own recording scored against their own verdicts: the confirmed window is found.
        let recording = state.appendingPathComponent("recorded.csv")
        try
            (["series,timestamp,value"]
            + Self.values(0..<720, spikes: Self.spikes).map { "\(Self.series),\(Int($0.time)),\($0.value)" })
            .joined(separator: "\n").write(to: recording, atomically: true, encoding: .utf8)
        let evaluated = try BuiltBinary.run(["evaluate", "--labels", windows.path, recording.path, "--rows", "mine"])
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        let standard = evaluated.standardOutput.split(separator: "\n").first { $0.contains("\tall\tstandard\t") }
        let fields = standard?.split(separator: "\t", omittingEmptySubsequences: false) ?? []
        #expect(fields.count > 8 && fields[4] == "1" && fields[8] == "1", "windows 1, found 1: \(standard ?? "none")")
    }
}

/// A verdict through the engine, on the shard that owns the series, with the real model learning.
@Suite("Feedback: what a verdict teaches a series")
struct FeedbackLearningTests {
    /// Noise with a 10-sample burst 8 above it at each of `bursts`.
    static func values(bursts: [Int]) -> [Double] {
        var rng = SplitMix64(seed: 5)
        return (0..<1100).map { t in
            rng.gaussian() + (bursts.contains { (($0)..<($0 + 10)).contains(t) } ? 8 : 0)
        }
    }

    static func time(_ t: Int) -> Double { 1_700_000_000 + 60 * Double(t) }

    @Test(
        "A pattern that alerted, marked normal, does not page when it recurs 200 samples later; its unmarked twin pages again"
    )
    func normalStopsTheRepeat() throws {
        let harness = EngineHarness(config: EngineConfig())
        let values = Self.values(bursts: [800, 1000])
        for key in ["marked", "twin"] { _ = try harness.feed(key, Array(values[0..<812])) }
        let firstAlerts = harness.raised.filter { $0.status == .firing && $0.startsAt >= Self.time(800) }
        #expect(Set(firstAlerts.map(\.seriesKey)) == ["marked", "twin"], "the first burst pages in both")
        let verdict = try Feedback(series: "marked", from: Self.time(800), to: Self.time(811), verdict: .normal)
        let outcome = try harness.engine.apply(verdict).get()
        #expect(outcome.resolvedAlert && outcome.trainingSoon)
        #expect(harness.raised.contains { $0.seriesKey == "marked" && $0.resolvedByFeedback })
        for key in ["marked", "twin"] { _ = try harness.feed(key, Array(values[812..<1100]), startingAt: 812) }
        let repeats = harness.raised.filter {
            $0.status == .firing && (Self.time(1000)..<Self.time(1030)).contains($0.startsAt)
        }
        #expect(!repeats.contains { $0.seriesKey == "marked" }, "marked normal, it paged again")
        #expect(repeats.contains { $0.seriesKey == "twin" }, "the unmarked twin stayed quiet")
    }

    @Test(
        "A recurring burst the series learned to ignore, marked anomaly, pages when it recurs; its unmarked twin stays quiet"
    )
    func anomalyRaisesTheMissed() throws {
        let harness = EngineHarness(config: EngineConfig())
        let starts = Array(stride(from: 400, to: 1100, by: 150))  // 400, 550, ..., 1000
        var rng = SplitMix64(seed: 9)
        let values = (0..<1100).map { t in rng.gaussian() + (starts.contains { (($0)..<($0 + 6)).contains(t) } ? 5 : 0)
        }
        let marked = 850
        for key in ["marked", "twin"] { _ = try harness.feed(key, Array(values[0..<(marked + 20)])) }
        let late = harness.raised.filter { $0.status == .firing && $0.startsAt >= Self.time(marked) }
        #expect(late.isEmpty, "the series had not learned to ignore the burst: \(late.map(\.seriesKey))")
        let verdict = try Feedback(
            series: "marked", from: Self.time(marked), to: Self.time(marked + 5), verdict: .anomaly)
        let outcome = try harness.engine.apply(verdict).get()
        #expect(outcome.trainingHeldOff && !outcome.effect.sensitivity.isEmpty)
        for key in ["marked", "twin"] {
            _ = try harness.feed(key, Array(values[(marked + 20)..<1100]), startingAt: marked + 20)
        }
        let next = harness.raised.filter { $0.status == .firing && $0.startsAt >= Self.time(1000) }
        #expect(next.contains { $0.seriesKey == "marked" }, "marked anomaly, it did not page")
        #expect(!next.contains { $0.seriesKey == "twin" }, "the unmarked twin paged")
    }
}

/// A silence through the engine: what a silenced series' scorer and model keep.
@Suite("Silences: what a silenced series keeps")
struct SilencedLearningTests {
    @Test(
        "While silenced, a series' scorer fits and model do not move and its alerts carry the silence; its twin learns")
    func silencedSeriesKeepsItsState() throws {
        let silences = SilenceBook(store: nil, logger: .init(label: "test"))
        let harness = EngineHarness(config: EngineConfig(), silences: silences)
        var rng = SplitMix64(seed: 3)
        let values = (0..<600).map { t in 10 + sin(Double(t) / 10) + 0.1 * rng.gaussian() + (t == 500 ? 30 : 0) }
        for key in ["quiet", "loud"] { _ = try harness.feed(key, Array(values[0..<300])) }
        let id = try silences.add(
            matchers: SelectorParser.parse(#"{series="quiet"}"#), endsAt: Date().timeIntervalSince1970 + 3600,
            comment: "maintenance", createdBy: "test", now: Date().timeIntervalSince1970)
        func state(_ key: String) -> (fits: ScorerFits, version: Int) {
            let predictor = harness.engine.snapshot().snapshots.first { $0.key == key }!.predictor
            var fits = predictor.scorer.fits
            (fits.timestamp, fits.samples) = (0, 0)  // what the fits learned, not when they were asked
            return (fits, predictor.modelVersion)
        }
        let (quiet, loud) = (state("quiet"), state("loud"))
        for key in ["quiet", "loud"] { _ = try harness.feed(key, Array(values[300..<600]), startingAt: 300) }
        #expect(state("quiet").fits == quiet.fits && state("quiet").version == quiet.version)
        #expect(state("loud").fits != loud.fits && state("loud").version > loud.version)
        #expect(harness.summary("quiet")?.silence == id && harness.summary("loud")?.silence == nil)
        // The spike at 500 pages (or an earlier alert is open then); every alert raised while silenced says so.
        let silencedAlerts = harness.raised.filter {
            $0.seriesKey == "quiet" && $0.sampleTime >= 1_700_000_000 + 60 * 300
        }
        #expect(!silencedAlerts.isEmpty && silencedAlerts.allSatisfy { $0.silence == id })
    }
}

/// What `POST /feedback` parses, under random and mutated bodies.
@Suite("Feedback: parsing what a client sends")
struct FeedbackParsingTests {
    static let valid =
        #"{"series": "a.b{x=\"1\"}", "from": "2024-01-01T00:00:00Z", "to": 1704067260, "verdict": "anomaly", "note": "n"}"#

    @Test("A valid body parses to the verdict it says; times as RFC 3339 or unix seconds")
    func valid() throws {
        let feedback = try Feedback.parse(json: Array(Self.valid.utf8))
        #expect(feedback.series == #"a.b{x="1"}"# && feedback.from == 1_704_067_200 && feedback.to == 1_704_067_260)
        #expect(feedback.verdict == .anomaly && feedback.note == "n")
        #expect(try Feedback.parse(json: Array(feedback.json.utf8)) == feedback, "the command's body round-trips")
    }

    static let syntax = Array(#""{}[],:0-e.9"#.utf8)

    @Test("20,000 random and mutated bodies: each parses or is refused with a message, none crashes")
    func fuzz() {
        var rng = SplitMix64(seed: 26)
        let seed = Array(Self.valid.utf8)
        var (parsed, refused) = (0, 0)
        for round in 0..<20_000 {
            var body: [UInt8]
            if round % 2 == 0 {
                body = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                body = seed
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let at = Int(rng.next() % UInt64(body.count))
                    switch rng.next() % 3 {
                    case 0: body[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: body.remove(at: at)
                    default: body.insert(Self.syntax[Int(rng.next() % UInt64(Self.syntax.count))], at: at)
                    }
                }
            }
            do {
                let feedback = try Feedback.parse(json: body)
                #expect(feedback.from <= feedback.to && feedback.from.isFinite)
                parsed += 1
            } catch {
                #expect(!error.description.isEmpty)
                refused += 1
            }
        }
        #expect(parsed > 0 && refused > 10_000, "\(parsed) parsed, \(refused) refused")
    }
}
