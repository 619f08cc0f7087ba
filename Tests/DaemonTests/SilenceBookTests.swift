import Foundation
import Logging
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// The book on an injected clock (no sleeping): what is in force when, and how cheaply it says so;
/// the local silences in the state directory; the configuration keys.
@Suite("Silences: the book, its file and its keys")
struct SilenceBookTests {
    static let t0 = 1_800_000_000.0
    static let web01: [(name: String, value: String)] = AlertmanagerAlert.labels(
        of: SeriesIdentity(key: #"cpu{host="web01"}"#), severity: nil, instance: "n1")
    static let db1: [(name: String, value: String)] = AlertmanagerAlert.labels(
        of: SeriesIdentity(key: #"cpu{host="db1"}"#), severity: nil, instance: "n1")

    static func book(_ store: SilenceStore? = nil) -> SilenceBook {
        SilenceBook(store: store, now: t0, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    static func remote(
        _ id: String, _ selector: String, from start: Double, to end: Double, comment: String = "maintenance",
        url: String = "http://am:9093"
    ) throws -> Silence {
        Silence(
            id: id, matchers: try SelectorParser.parse(selector), startsAt: start, endsAt: end, comment: comment,
            createdBy: "ops", source: .alertmanager(url))
    }

    @Test("The same object while nothing changes; a new generation when a pending silence starts and when one ends")
    func generations() throws {
        let book = Self.book()
        let empty = book.current(now: Self.t0)
        #expect(empty.isEmpty && empty.silence(for: Self.web01) == nil)
        #expect(book.current(now: Self.t0 + 5) === empty)
        let id = try book.add(
            matchers: SelectorParser.parse(#"{host="web01"}"#), startsAt: Self.t0 + 100, endsAt: Self.t0 + 200,
            comment: "reboot", createdBy: "me", now: Self.t0 + 10)
        // Added but pending: the answer is the same, so may be the object.
        let pending = book.current(now: Self.t0 + 20)
        #expect(pending.silence(for: Self.web01) == nil)
        #expect(book.current(now: Self.t0 + 99.9) === pending)
        let started = book.current(now: Self.t0 + 100)
        #expect(started !== pending && started.generation != pending.generation)
        #expect(started.silence(for: Self.web01) == SilenceMatch(id: id, pausesLearning: true, endsAt: Self.t0 + 200))
        #expect(started.silence(for: Self.db1) == nil)
        #expect(book.current(now: Self.t0 + 150) === started)
        let ended = book.current(now: Self.t0 + 200)
        #expect(ended !== started && ended.generation != started.generation)
        #expect(ended.silence(for: Self.web01) == nil)
        #expect(book.current(now: Self.t0 + 10_000) === ended)
    }

    @Test(
        "A poll that brings the same set changes nothing; a different one makes a new answer; a forgotten Alertmanager's silences end"
    )
    func remoteSets() throws {
        let book = Self.book()
        let set = [try Self.remote("r1", #"{host=~"web.*"}"#, from: Self.t0 - 10, to: Self.t0 + 500)]
        book.replace(set, from: "http://am:9093", now: Self.t0)
        let first = book.current(now: Self.t0)
        #expect(first.silence(for: Self.web01)?.id == "r1")
        book.replace(set, from: "http://am:9093", now: Self.t0 + 1)
        #expect(book.current(now: Self.t0 + 1) === first)
        let longer = [try Self.remote("r1", #"{host=~"web.*"}"#, from: Self.t0 - 10, to: Self.t0 + 900)]
        book.replace(longer, from: "http://am:9093", now: Self.t0 + 2)
        let second = book.current(now: Self.t0 + 2)
        #expect(second !== first && second.silence(for: Self.web01)?.endsAt == Self.t0 + 900)
        // An expired silence in a reply is not kept.
        book.replace(
            [try Self.remote("old", #"{host="db1"}"#, from: Self.t0 - 100, to: Self.t0 - 1)], from: "http://other",
            now: Self.t0 + 3)
        #expect(book.current(now: Self.t0 + 3).silence(for: Self.db1) == nil)
        book.forget(alertmanager: "http://am:9093")
        #expect(book.current(now: Self.t0 + 4).silence(for: Self.web01) == nil)
    }

    @Test("Of several silences that match, the one that ends last; the keep-learning marker and the switch")
    func choice() throws {
        let book = Self.book()
        book.replace(
            [
                try Self.remote("short", #"{host="web01"}"#, from: Self.t0, to: Self.t0 + 100),
                try Self.remote(
                    "long", #"{metric="cpu"}"#, from: Self.t0, to: Self.t0 + 300,
                    comment: "pager only \(Silence.keepLearningMarker)"),
                try Self.remote("other", #"{host="db1"}"#, from: Self.t0, to: Self.t0 + 900),
            ], from: "http://am:9093", now: Self.t0)
        let answer = book.current(now: Self.t0 + 1)
        #expect(
            answer.silence(for: Self.web01) == SilenceMatch(id: "long", pausesLearning: false, endsAt: Self.t0 + 300))
        #expect(answer.silence(for: Self.db1) == SilenceMatch(id: "other", pausesLearning: true, endsAt: Self.t0 + 900))
        book.setPauseLearning(false)
        let off = book.current(now: Self.t0 + 2)
        #expect(off !== answer && off.silence(for: Self.db1)?.pausesLearning == false)
        #expect(book.list(now: Self.t0 + 2).allSatisfy { !$0.pausesLearning })
    }

    @Test("Local silences: refused when they cannot be made, expired by id, an Alertmanager's refused with its URL")
    func localChanges() throws {
        let book = Self.book()
        let selector = try SelectorParser.parse(#"{host="web01"}"#)
        func refusal(_ make: () throws -> Void) -> SilenceBookError? {
            do {
                try make()
                return nil
            } catch {
                return error as? SilenceBookError
            }
        }
        let now = Self.t0
        guard
            case .invalid = refusal({
                _ = try book.add(matchers: selector, endsAt: now - 1, comment: "c", createdBy: "", now: now)
            }),
            case .invalid = refusal({
                _ = try book.add(matchers: selector, endsAt: now + 40 * 86_400, comment: "c", createdBy: "", now: now)
            }),
            case .invalid = refusal({
                _ = try book.add(
                    matchers: SelectorParser.parse(#"{x=""}"#), endsAt: now + 60, comment: "c", createdBy: "", now: now)
            }),
            case .invalid = refusal({
                _ = try book.add(
                    matchers: selector, startsAt: now + 100, endsAt: now + 50, comment: "c", createdBy: "", now: now)
            })
        else {
            Issue.record("an impossible silence was made")
            return
        }
        #expect(book.list(now: now).isEmpty, "refusals change nothing")
        let id = try book.add(matchers: selector, endsAt: now + 60, comment: "c", createdBy: "me", now: now)
        #expect(book.list(now: now).map(\.silence.id) == [id])
        #expect(refusal({ try book.expire(id: "nope", now: now) }) == .unknownID("nope"))
        book.replace([try Self.remote("r9", #"{host="x"}"#, from: now, to: now + 60)], from: "http://am:9093", now: now)
        #expect(refusal({ try book.expire(id: "r9", now: now) }) == .notLocal(id: "r9", alertmanager: "http://am:9093"))
        try book.expire(id: id, now: now + 1)
        #expect(book.list(now: now + 1).map(\.silence.id) == ["r9"])
        #expect(book.current(now: now + 1).silence(for: Self.web01) == nil)
    }

    @Test("The file: a round trip through a new book, expired silences dropped at start, atomic replacement")
    func persistence() throws {
        let folder = try makeTemporaryFolder("silences")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = SilenceStore(directory: folder.path)
        let book = Self.book(store)
        let keep = try book.add(
            matchers: SelectorParser.parse(#"{host="web\"01", job=~"api.*"}"#), endsAt: Self.t0 + 3600,
            comment: "keep \(Silence.keepLearningMarker)", createdBy: "me", now: Self.t0)
        let short = try book.add(
            matchers: SelectorParser.parse(#"{host="db1"}"#), endsAt: Self.t0 + 60, comment: "short", createdBy: "me",
            now: Self.t0)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("silences.json.tmp").path))
        let later = SilenceBook(store: store, now: Self.t0 + 120, logger: Logger(label: "test"))
        let listed = later.list(now: Self.t0 + 120)
        #expect(listed.map(\.silence.id) == [keep], "the expired one (\(short)) is dropped")
        let original = book.list(now: Self.t0).first { $0.silence.id == keep }
        #expect(listed.first?.silence == original?.silence && listed.first?.pausesLearning == false)
    }

    @Test("A damaged file is set aside with one error line, and the daemon starts without local silences")
    func damagedFile() throws {
        let folder = try makeTemporaryFolder("silences")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("silences.json")
        for damage in [
            #"{"version":1,"silences":[{"id":"x""#,
            #"{"version":1,"silences":[{"id":"x","matchers":[{"name":"a","value":"(","isRegex":true}],"startsAt":1,"endsAt":9e12,"comment":"","createdBy":""}]}"#,
            "\u{0}\u{1}garbage",
        ] {
            try damage.write(to: file, atomically: true, encoding: .utf8)
            let (logger, lines) = RecordingLogHandler.logger()
            let book = SilenceBook(store: SilenceStore(directory: folder.path), now: Self.t0, logger: logger)
            #expect(book.list(now: Self.t0).isEmpty)
            #expect(lines.all.filter { $0.level == .error }.count == 1, "\(lines.all.map(\.message))")
            #expect(!FileManager.default.fileExists(atPath: file.path))
            let aside = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
                $0.hasPrefix("silences.json.bad-")
            }
            #expect(aside.count == 1)
            for name in aside { try FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
            // Still usable: a new silence is saved over the damage.
            _ = try book.add(
                matchers: SelectorParser.parse(#"{host="a"}"#), endsAt: Self.t0 + 60, comment: "c", createdBy: "",
                now: Self.t0)
            #expect(try SilenceStore.decode(Data(contentsOf: file)).count == 1)
        }
    }

    @Test("A state directory that cannot take the file refuses the change and changes nothing")
    func cannotSave() throws {
        let folder = try makeTemporaryFolder("silences")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A folder where the file should be: the rename over it fails.
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("silences.json/inside"), withIntermediateDirectories: true)
        let book = SilenceBook(store: SilenceStore(directory: folder.path), now: Self.t0, logger: Logger(label: "test"))
        let answer = SilenceAPI.create(
            book, body: Array(#"{"matchers":"{host=\"a\"}","for":"1h","comment":"c"}"#.utf8), now: Self.t0)
        #expect(answer.status == 500 && answer.body.contains("cannot save"))
        #expect(book.list(now: Self.t0).isEmpty)
    }

    @Test("The HTTP answers: 201 with an id, the list with both matcher forms, 400/422/404 one-line refusals")
    func api() throws {
        let book = Self.book()
        let created = SilenceAPI.create(
            book,
            body: Array(#"{"matchers":"{host=\"web01\", job!~\"x\"}","for":7200,"comment":"c","createdBy":"me"}"#.utf8),
            now: Self.t0)
        #expect(created.status == 201)
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])?["id"] as? String)
        #expect(UUID(uuidString: id) != nil)
        let list = SilenceAPI.list(book, now: Self.t0 + 1)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [[String: Any]])
        #expect(items.count == 1)
        let item = try #require(items.first)
        #expect(item["selector"] as? String == #"{host="web01", job!~"x"}"#)
        #expect((item["matchers"] as? [[String: Any]])?.last?["isEqual"] as? Bool == false)
        #expect(item["endsAt"] as? String == rfc3339(Self.t0 + 7200) && item["state"] as? String == "active")
        #expect(item["source"] as? String == "local" && item["pauses_learning"] as? Bool == true)
        for (body, status) in [
            (#"{"matchers":"{host=\"web01\"","for":60,"comment":"c"}"#, 400),
            (#"{"matchers":"{x=\"\"}","for":60,"comment":"c"}"#, 422),
            (#"{"matchers":"{}","for":60,"comment":"c"}"#, 422),
            (#"{"matchers":"{host=\"a\"}","startsAt":1800000100,"endsAt":1800000050,"comment":"c"}"#, 422),
            (#"{"matchers":"{host=\"a\"}","for":"40d","comment":"c"}"#, 422),
        ] {
            let answer = SilenceAPI.create(book, body: Array(body.utf8), now: Self.t0)
            #expect(answer.status == status && !answer.isJSON, "\(body): \(answer)")
            #expect(answer.body.hasSuffix("\n") && answer.body.dropLast().firstIndex(of: "\n") == nil)
        }
        #expect(book.list(now: Self.t0).count == 1, "refusals change nothing")
        #expect(SilenceAPI.expire(book, query: ["id": "nope"], now: Self.t0).status == 404)
        #expect(SilenceAPI.expire(book, query: [:], now: Self.t0).status == 400)
        #expect(SilenceAPI.expire(book, query: ["id": id], now: Self.t0).status == 200)
        #expect(SilenceAPI.list(book, now: Self.t0).body == "[]\n")
    }

    /// A new value for each silence key the table calls live, and where the running poller shows it
    /// (`ReloadVerdictTests` counts these with its own).
    static let liveChanges: [(yaml: String, shows: @Sendable (SilencePoller) -> Bool)] = [
        ("alertmanager: {silence_poll: 4.5}", { $0.pollInterval == 4.5 }),
        ("alertmanager: {silences_pause_learning: false}", { !$0.book.pauseLearning }),
    ]

    @Test("Each silence key is applied by a reload and named as applied")
    func reload() throws {
        let base = try DaemonConfig.load(yaml: "shards: 1")
        for change in Self.liveChanges {
            let engine = Engine(config: base.engine, logger: Logger(label: "test"), alerts: AlertHandler { _ in })
            defer { engine.stop() }
            let poller = try SilencePoller(
                book: Self.book(), alertmanager: base.alertmanager, silences: base.silences, metricsFactory: nil,
                logger: Logger(label: "test"))
            #expect(!change.shows(poller))
            let new = try DaemonConfig.load(yaml: "shards: 1\n" + change.yaml)
            let (applied, needRestart) = try Reload.apply(
                new, over: base, engine: engine, levels: LogLevelSwitch(.info), silences: poller)
            #expect(applied.count == 1 && needRestart.isEmpty, "\(change.yaml): \(applied) \(needRestart)")
            #expect(change.shows(poller), "\(change.yaml) did not reach the poller")
        }
    }

    @Test("Config: alertmanager.silence_poll and silences_pause_learning, defaults, validation, applied at SIGHUP")
    func config() throws {
        #expect(DaemonConfig().silences == SilenceConfig(pollInterval: 30, pauseLearning: true))
        let config = try DaemonConfig.load(
            yaml: "alertmanager:\n  silence_poll: 2.5\n  silences_pause_learning: false\n")
        #expect(config.silences.pollInterval == 2.5 && config.silences.pauseLearning == false)
        #expect(
            config.yaml.contains("  silence_poll: 2.5\n") && config.yaml.contains("  silences_pause_learning: false\n"))
        #expect(throws: ConfigError(key: "alertmanager.silence_poll", problem: "0.0 must be > 0 seconds")) {
            try DaemonConfig.load(yaml: "alertmanager:\n  silence_poll: 0\n")
        }
        #expect(throws: ConfigError.self) {
            try DaemonConfig.load(yaml: "alertmanager:\n  silences_pause_learning: 1\n")
        }
        #expect(Reload.isLive("alertmanager.silence_poll") && Reload.isLive("alertmanager.silences_pause_learning"))
        // The poller applies a reload: the switch reaches the book.
        let book = Self.book()
        let poller = try SilencePoller(
            book: book, alertmanager: AlertmanagerConfig(), silences: SilenceConfig(), metricsFactory: nil,
            logger: Logger(label: "test"))
        book.replace(
            [try Self.remote("r", #"{host="web01"}"#, from: Self.t0, to: Self.t0 + 60)], from: "http://am:9093",
            now: Self.t0)
        #expect(book.current(now: Self.t0).silence(for: Self.web01)?.pausesLearning == true)
        try poller.apply(
            alertmanager: AlertmanagerConfig(), silences: SilenceConfig(pollInterval: 5, pauseLearning: false))
        #expect(book.current(now: Self.t0).silence(for: Self.web01)?.pausesLearning == false)
    }
}
