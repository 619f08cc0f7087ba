import StreamLSTM
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// NAB's scoring rules against cases worked by hand (values from the
/// formulas in ../shared/nab/README.md, computed separately in Python).
@Suite("NAB scorer")
struct NABScorerTests {
    /// 1,000 rows (probation 150), one window over rows 500...599 (width 100).
    static func file(detections: [Int], windows: [ClosedRange<Int>] = [500...599]) -> NABFile {
        var scores = [Double](repeating: 0, count: 1000)
        for row in detections { scores[row] = 0.9 }
        return NABFile(name: "hand", scores: scores, windows: windows)
    }

    static func raw(_ detections: [Int], profile: NABProfile = .standard) -> Double {
        NABScorer.score(file(detections: detections), threshold: 0.5, profile: profile).raw
    }

    @Test("A detection at a window's left edge earns the full weight")
    func leftEdge() {
        #expect(abs(Self.raw([500]) - 1) < 1e-12)
        let tally = NABScorer.score(Self.file(detections: [500]), threshold: 0.5, profile: .standard)
        #expect(tally.normalised(.standard) == 100)
    }

    @Test("At the right edge it earns almost nothing; in the middle, A(-0.5)/A(-1)")
    func rightEdgeAndMiddle() {
        #expect(abs(Self.raw([599]) - 0.025333905068325228) < 1e-12)
        #expect(abs(Self.raw([550]) - 0.8597925669097837) < 1e-12)
    }

    @Test("Only the earliest detection in a window counts")
    func earliestOnly() {
        #expect(abs(Self.raw([550, 500, 599]) - 0.8597925669097837 + 0.8597925669097837 - 1) < 1e-12)
        #expect(abs(Self.raw([550, 560, 598]) - 0.8597925669097837) < 1e-12)
    }

    @Test("False positives: cheap just after a window, the full cost far after it or before any window")
    func falsePositives() {
        // Window missed (-1) plus one detection 50 rows after it: 0.11 A(50/99).
        #expect(abs(Self.raw([649]) - (-1 - 0.0936965180084896)) < 1e-12)
        // 400 rows after: beyond x = 3, the full -0.11.
        #expect(abs(Self.raw([999]) - (-1 - 0.11)) < 1e-12)
        // Before any window: -0.11; the low-FP profile doubles it.
        #expect(abs(Self.raw([300]) - (-1 - 0.11)) < 1e-12)
        #expect(abs(Self.raw([300], profile: .rewardLowFP) - (-1 - 0.22)) < 1e-12)
        // Every false positive counts.
        #expect(abs(Self.raw([300, 301, 302]) - (-1 - 0.33)) < 1e-12)
    }

    @Test("No detections: every window costs its weight; the probation counts for nothing")
    func noDetections() {
        #expect(Self.raw([]) == -1)
        #expect(Self.raw([], profile: .rewardLowFN) == -2)
        #expect(Self.raw([10, 149]) == -1)  // probation: min(floor(0.15 * 1000), 750) = 150 rows
        #expect(Self.raw([150]) == -1.11)
        let tally = NABScorer.score(Self.file(detections: []), threshold: 0.5, profile: .standard)
        #expect(tally.normalised(.standard) == 0)
    }

    @Test("The optimised threshold: a small worked case")
    func optimiseSmall() {
        var scores = [Double](repeating: 0, count: 1000)
        scores[300] = 0.9  // a false positive before the window
        scores[510] = 0.7  // a detection 10 rows into the window
        let file = NABFile(name: "hand", scores: scores, windows: [500...599])
        let best = NABScorer.optimise([file], profile: .standard)
        // t <= 0.7: 0.9912952980422967 - 0.11; t in (0.7, 0.9]: -1.11; above: -1.
        #expect(best.threshold == 0.7)
        #expect(abs(best.raw - (0.9912952980422967 - 0.11)) < 1e-12)
    }

    @Test("The optimised threshold equals a brute-force search over every distinct score")
    func optimiseMatchesBruteForce() {
        var rng = SplitMix64(seed: 7)
        var files: [NABFile] = []
        for n in 0..<6 {
            let rows = 400 + 150 * n
            let scores = (0..<rows).map { _ in (rng.next() % 1000 < 40) ? Double(rng.next() % 100) / 100 : 0 }
            let windows = n == 2 ? [] : [(rows / 3)...(rows / 3 + 30), (2 * rows / 3)...(2 * rows / 3 + 12)]
            files.append(NABFile(name: "f\(n)", scores: scores, windows: windows))
        }
        for profile in NABProfile.all {
            let best = NABScorer.optimise(files, profile: profile)
            let candidates = Set(files.flatMap(\.scores))
            let brute = candidates.map { t in
                files.reduce(0.0) { $0 + NABScorer.score($1, threshold: t, profile: profile).raw }
            }
            .max()!
            #expect(abs(best.raw - max(brute, -Double(10) * profile.falseNegative)) < 1e-9, "\(profile.name)")
            let atBest = files.reduce(0.0) { $0 + NABScorer.score($1, threshold: best.threshold, profile: profile).raw }
            #expect(abs(atBest - best.raw) < 1e-9, "\(profile.name)")
        }
    }

    @Test("Event level: a run of detections is one alarm; precision and recall by overlap")
    func events() {
        var scores = [Double](repeating: 0, count: 1000)
        for row in 300...304 { scores[row] = 0.9 }  // one false alarm of five rows
        for row in 590...610 { scores[row] = 0.9 }  // one alarm across the window's right edge
        let file = NABFile(name: "hand", scores: scores, windows: [500...599, 800...820])
        let events = EventCounts(file, threshold: 0.5)
        #expect(events == EventCounts(alarms: 2, trueAlarms: 1, windows: 2, foundWindows: 1))
        #expect(events.precision == 0.5 && events.recall == 0.5 && events.f1 == 0.5)
    }

    @Test("At the alerts: pages are the detections; false pages, windows by order and start, swallowed windows")
    func alertEpisodes() {
        // 1,000 rows (probation 150), windows at 200, 500, 600, 700, 800 and 900 (the sixth is "later").
        let windows = [200...219, 500...519, 600...619, 700...719, 800...819, 900...919]
        var pages = [Bool](repeating: false, count: 1000)
        var alerts = pages
        for row in [100, 205, 300, 505, 905] { pages[row] = true }  // 100 is in the probation
        for row in 690...725 { alerts[row] = true }  // opened before the fourth window, no page inside it
        let file = NABFile(
            name: "hand", scores: [Double](repeating: 0, count: 1000), windows: windows, alerts: alerts, pages: pages)
        let episodes = AlertEpisodes(file)
        #expect(episodes.onsets == 4 && episodes.falseOnsets == 1)
        #expect(episodes.windows == .init(found: 3, total: 6))
        #expect(episodes.firstWindows == .init(found: 1, total: 1))
        #expect(episodes.secondToFifthWindows == .init(found: 1, total: 4))
        #expect(episodes.laterWindows == .init(found: 1, total: 1))
        #expect(episodes.earlyWindows == .init(found: 1, total: 1))
        #expect(episodes.lateWindows == .init(found: 2, total: 5))
        #expect(episodes.startedInsideAnOpenAlert == 1)
        // NAB's scorer sees exactly the pages: three windows at 5 rows in (of 20), one false positive.
        let tally = NABScorer.score(
            AlertEpisodes.pages(of: file), threshold: AlertEpisodes.pageScore, profile: .standard)
        #expect(tally.detectedWindows == 3 && tally.falsePositives == 1)
    }

    @Test("Results read: the page column, or where the alert column turns 1 in results without one")
    func resultColumns() throws {
        let folder = try makeTemporaryFolder("results")
        let withPages = folder.appendingPathComponent("new.csv")
        try
            "timestamp,value,prediction,anomaly_score,alert,reason,page\n1,1,,0,0,warming_up,0\n2,5,1,0.9,1,spike,1\n3,5,5,0.6,1,spike,1\n4,1,5,0.1,1,spike,0\n"
            .write(to: withPages, atomically: true, encoding: .utf8)
        let new = try LabelledCorpus.readScores(withPages.path)
        #expect(new.scores == [0, 0.9, 0.6, 0.1])
        #expect(new.alerts == [false, true, true, true])
        #expect(new.pages == [false, true, true, false])  // a new incident inside the open alert at row 3
        let older = folder.appendingPathComponent("old.csv")
        try
            "timestamp,value,prediction,anomaly_score,alert,reason\n1,1,,0,0,warming_up\n2,5,1,0.9,1,spike\n3,5,5,0.6,1,spike\n4,1,5,0,0,spike\n5,9,1,0.9,1,spike\n"
            .write(to: older, atomically: true, encoding: .utf8)
        #expect(try LabelledCorpus.readScores(older.path).pages == [false, true, false, false, true])
        let bad = try writeFile(
            "bad.csv", in: folder, "timestamp,value,prediction,anomaly_score,alert,reason,page\n1,1,,0,0,warming_up,2\n"
        )
        #expect(throws: RecordingError.self) { try LabelledCorpus.readScores(bad.path) }
    }
}
