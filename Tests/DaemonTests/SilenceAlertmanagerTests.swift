import Foundation
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Silences with Debian's real Alertmanager and the built daemon, each started by the test on free
/// loopback ports: what Alertmanager holds reaches the daemon, the matching agrees with
/// Alertmanager's own, an Alertmanager that goes away leaves its silences in force, and the
/// `silence` command manages the daemon's own across a restart.
@Suite("Silences: the built daemon against a real Alertmanager")
struct SilenceAlertmanagerTests {
    /// Seconds between polls in these tests (30 by default).
    static let poll = 0.5

    static func matcher(_ name: String, _ value: String, regex: Bool = false, equal: Bool = true) -> [String: Any] {
        ["name": name, "value": value, "isRegex": regex, "isEqual": equal]
    }

    @Test("A silence made in Alertmanager is listed by the daemon within one poll, and leaves when expired there")
    func appearsWithinOnePoll() throws {
        let alertmanager = try AlertmanagerServer()
        let daemon = try LoopbackDaemon(urls: [alertmanager.url])
        // One poll has happened: the daemon starts polling at once.
        try waitUntil("a first poll") {
            try metricValue(daemon.http, "streamlstmd_silence_polls_total", [#"outcome="success""#]) >= 1
        }
        let made = Date()
        let id = try alertmanager.addSilence(
            [Self.matcher("host", "web-0[12]", regex: true), Self.matcher("env", "prod", equal: false)], for: 3600,
            comment: "kernel update")
        try waitUntil("the silence in the daemon's list") {
            try daemon.silences().contains { $0["id"] as? String == id }
        }
        let seconds = Date().timeIntervalSince(made)
        #expect(seconds <= Self.poll + 2, "within a poll (\(Self.poll) s) and a margin: \(seconds) s")
        let listed = try #require(try daemon.silences().first { $0["id"] as? String == id })
        #expect(listed["source"] as? String == alertmanager.url && listed["state"] as? String == "active")
        #expect(listed["selector"] as? String == #"{host=~"web-0[12]", env!="prod"}"#)
        #expect(listed["comment"] as? String == "kernel update" && listed["pauses_learning"] as? Bool == true)
        // An Alertmanager's silence is expired there, not here.
        let refused = try daemon.command(["expire", id])
        #expect(refused.status == EX_DATAERR && refused.standardError.contains(alertmanager.url))
        try alertmanager.expireSilence(id)
        try waitUntil("the expired silence gone from the daemon's list") {
            try !daemon.silences().contains { $0["id"] as? String == id }
        }
    }

    /// `/series` by key: samples, model version, and the silence in force (nil: none).
    static func seriesState(_ http: String) throws -> [String: (samples: Int, version: Int, silence: String?)] {
        let list = try JSONSerialization.jsonObject(with: Data(try httpGet(http, "/series").utf8)) as? [[String: Any]]
        var states: [String: (Int, Int, String?)] = [:]
        for entry in list ?? [] {
            guard let key = entry["series"] as? String else { continue }
            let silence = entry["silenced"] as? Bool == true ? entry["silence_id"] as? String ?? "" : nil
            states[key] = (entry["samples"] as? Int ?? -1, entry["model_version"] as? Int ?? -1, silence)
        }
        return states
    }

    /// Minute samples `range` of two hosts' sine with a little noise (ending about now; a model learns
    /// it, and each adopted training result moves the model version), 30 higher for web-1 at `spike`.
    static func send(_ range: Range<Int>, spike: Int? = nil, to input: String) throws {
        let end = (Date().timeIntervalSince1970 / 60).rounded(.down) * 60
        var rng = SplitMix64(seed: UInt64(range.lowerBound) + 1)
        let producer = try Producer(connect: input)
        var lines: [String] = []
        for t in range {
            let time = Int(end) - 60 * (100_000 - t)
            for host in ["web-1", "web-2"] {
                let value = 10 + sin(Double(t) / 10) + 0.1 * rng.gaussian() + (host == "web-1" && t == spike ? 30 : 0)
                lines.append("sil.cpu;host=\(host) \(value) \(time)")
            }
            if lines.count >= 100 {
                try producer.send(lines.joined(separator: "\n"))
                lines.removeAll()
            }
        }
        if !lines.isEmpty { try producer.send(lines.joined(separator: "\n")) }
        producer.close()
    }

    @Test(
        "A silence made in Alertmanager for one series stops its learning within one poll while its twin learns; its alerts say so; when it expires, learning resumes"
    )
    func silencePausesLearning() throws {
        let alertmanager = try AlertmanagerServer()
        let daemon = try LoopbackDaemon(urls: [alertmanager.url])
        let (silenced, twin) = (#"sil.cpu{host="web-1"}"#, #"sil.cpu{host="web-2"}"#)
        let received = Protected<[ReceivedAlert]>([])
        let subscriber = try AlertSubscriber(endpoint: daemon.alerts) { alert in received.withLock { $0.append(alert) }
        }
        defer { subscriber.stop() }
        try Self.send(0..<300, to: daemon.input)
        try waitUntil("300 samples of each") {
            let states = try Self.seriesState(daemon.http)
            return [silenced, twin].allSatisfy { states[$0]?.samples == 300 }
        }
        let made = Date()
        let id = try alertmanager.addSilence([Self.matcher("host", "web-1")], for: 3600, comment: "maintenance")
        try waitUntil("the series silenced") { try Self.seriesState(daemon.http)[silenced]?.silence == id }
        #expect(Date().timeIntervalSince(made) <= Self.poll + 2, "within a poll (\(Self.poll) s) and a margin")
        let before = try Self.seriesState(daemon.http)
        #expect(before[twin]?.silence == nil)

        // Samples keep coming (training results are taken between two batches): the twin's model moves,
        // the silenced one's does not.
        try Self.send(300..<600, spike: 500, to: daemon.input)
        var next = 600
        try waitUntil("the twin learning while the series is silenced") {
            let states = try Self.seriesState(daemon.http)
            if (states[twin]?.version ?? 0) > (before[twin]?.version ?? 0) && states[twin]?.samples == next {
                return true
            }
            try Self.send(next..<(next + 10), to: daemon.input)
            next += 10
            return false
        }
        let during = try Self.seriesState(daemon.http)
        #expect(during[silenced]?.version == before[silenced]?.version, "the silenced series trained")
        #expect((during[silenced]?.samples ?? 0) >= 600)
        try waitUntil("the silenced series' spike alert") {
            received.withLock { $0 }.contains { $0.series == silenced && $0.status == "firing" }
        }
        let alert = try #require(received.withLock { $0 }.first { $0.series == silenced && $0.status == "firing" })
        #expect(alert.silenceID == id, "the alert says which silence held its series")

        try alertmanager.expireSilence(id)
        try waitUntil("the silence gone from the series") {
            try Self.seriesState(daemon.http)[silenced]?.silence == nil
        }
        try waitUntil("learning resumed once the window has passed the silence") {
            if try (Self.seriesState(daemon.http)[silenced]?.version ?? 0) > (during[silenced]?.version ?? 0) {
                return true
            }
            try Self.send(next..<(next + 10), to: daemon.input)
            next += 10
            return false
        }
    }

    @Test("Regex and negated matchers hold for exactly the label sets Alertmanager itself says are silenced")
    func agreesWithAlertmanager() throws {
        let alertmanager = try AlertmanagerServer()
        let short = try alertmanager.addSilence(
            [Self.matcher("host", "web-(0[1-3]|1.)", regex: true), Self.matcher("env", "prod", equal: false)],
            for: 1800)
        let long = try alertmanager.addSilence(
            [
                Self.matcher("metric", "disk.*", regex: true, equal: false),
                Self.matcher("dc", "eu-(west|north)", regex: true),
            ],
            for: 7200)
        let keys = [
            #"cpu{env="dev",host="web-01"}"#, #"cpu{env="prod",host="web-01"}"#, #"cpu{host="web-02"}"#,
            #"cpu{host="web-04"}"#, #"cpu{host="web-1x"}"#, #"cpu{host="web-1"}"#, #"cpu{host="xweb-01"}"#,
            #"cpu{host="web-01x"}"#, #"cpu{dc="eu-west",host="db1"}"#, #"disk.used{dc="eu-west",host="db1"}"#,
            #"cpu{dc="eu-westx",host="db1"}"#, #"cpu{dc="eu-north",env="staging",host="web-03"}"#,
            #"cpu{host="WEB-01"}"#,
            #"cpu{dc="EU-west"}"#, "cpu",
        ]
        let labelSets = keys.map {
            AlertmanagerAlert.labels(of: SeriesIdentity(key: $0), severity: nil, instance: "silence-test")
        }
        let alerts = labelSets.map { labels in
            "{\"labels\":{"
                + labels.map { "\(YAMLText.quoted($0.name)):\(YAMLText.quoted($0.value))" }.joined(separator: ",")
                + "}}"
        }
        let posted = try httpRequest(
            "POST", alertmanager.url + "/api/v2/alerts", json: "[" + alerts.joined(separator: ",") + "]")
        #expect(posted.status == 200, "\(posted.body)")
        var silencedBy: [String: Set<String>] = [:]
        try waitUntil("every alert in Alertmanager") {
            silencedBy = [:]
            for alert in try alertmanager.alerts() {
                guard let series = (alert["labels"] as? [String: String])?["series"] else { continue }
                silencedBy[series] = Set((alert["status"] as? [String: Any])?["silencedBy"] as? [String] ?? [])
            }
            return silencedBy.count == keys.count
        }
        // The daemon's reading of the same silences, as its poller reads them.
        let reply = try httpRequest("GET", alertmanager.url + "/api/v2/silences")
        let (silences, problems) = try SilenceJSON.alertmanagerSilences(Data(reply.body.utf8), from: alertmanager.url)
        #expect(problems.isEmpty && Set(silences.map(\.id)) == [short, long])
        let book = SilenceBook(store: nil, logger: .init(label: "test"))
        book.replace(silences, from: alertmanager.url, now: Date().timeIntervalSince1970)
        let active = book.current(now: Date().timeIntervalSince1970)
        var silencedCount = 0
        for (key, labels) in zip(keys, labelSets) {
            let expected = silencedBy[key] ?? []
            let answer = active.silence(for: labels)
            #expect(
                (answer != nil) == !expected.isEmpty,
                "\(key): Alertmanager says \(expected), the book \(String(describing: answer))")
            if expected.count == 2 { #expect(answer?.id == long, "\(key): of two, the one that ends last") }
            if let answer { #expect(expected.contains(answer.id), "\(key)") }
            if !expected.isEmpty { silencedCount += 1 }
        }
        // Both outcomes occur, and one set is held by both silences.
        #expect(silencedCount >= 4 && silencedCount <= keys.count - 4)
        #expect(silencedBy.values.contains { $0.count == 2 })
    }

    @Test("An Alertmanager that goes away leaves its silences in force; the failed polls are counted and logged once")
    func unreachableKeepsLast() throws {
        let alertmanager = try AlertmanagerServer()
        let daemon = try LoopbackDaemon(urls: [alertmanager.url])
        let id = try alertmanager.addSilence([Self.matcher("host", "web-01")], for: 3600)
        try waitUntil("the silence in the daemon's list") {
            try daemon.silences().contains { $0["id"] as? String == id }
        }
        try alertmanager.stop()
        let failures = [#"alertmanager="\#(alertmanager.url)""#, #"outcome="unreachable""#]
        try waitUntil("three failed polls counted") {
            try metricValue(daemon.http, "streamlstmd_silence_polls_total", failures) >= 3
        }
        let listed = try #require(try daemon.silences().first { $0["id"] as? String == id })
        #expect(listed["state"] as? String == "active" && listed["source"] as? String == alertmanager.url)
        #expect(try metricValue(daemon.http, "streamlstmd_silences", [#"state="active""#]) == 1)
        let logged = daemon.process.log.components(separatedBy: "Alertmanager silences unreachable").count - 1
        #expect(logged == 1, "logged at a limited rate: \(logged) lines")
        // Back again: polled again, the same silence (Alertmanager kept it on disk).
        try alertmanager.start()
        _ = try daemon.process.waitForLog("Alertmanager silences polled again")
        #expect(try daemon.silences().contains { $0["id"] as? String == id })
    }

    @Test("Local silences with the silence command: add, list, expire; kept across a restart, expired ones dropped")
    func localSilences() throws {
        let state = try makeTemporaryFolder("silence-state")
        defer { try? FileManager.default.removeItem(at: state) }
        var first: String
        do {
            let daemon = try LoopbackDaemon(stateDirectory: state)
            let added = try daemon.command([
                "add", "--match", #"{host="web01", job=~"api.*"}"#, "--for", "2h", "--comment", "kernel update",
                "--author", "tester",
            ])
            #expect(added.status == 0, "\(added.standardError)")
            first = added.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(UUID(uuidString: first) != nil)
            let keeping = try daemon.command([
                "add", "--match", #"{host="db1"}"#, "--for", "1h", "--comment", "pager only streamlstmd:keep-learning",
            ])
            let second = keeping.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let brief = try daemon.command(["add", "--match", #"{host="db2"}"#, "--for", "1s", "--comment", "brief"])
            let third = brief.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let table = try daemon.command(["list"])
            #expect(table.status == 0)
            let row = try #require(table.standardOutput.split(separator: "\n").first { $0.hasPrefix(first) })
            #expect(row.contains("active") && row.contains("local") && row.contains("paused") && row.contains("tester"))
            #expect(row.contains(#"{host="web01", job=~"api.*"}"#) && row.hasSuffix("kernel update"))
            #expect(
                table.standardOutput.split(separator: "\n").first { $0.hasPrefix(second) }?.contains("keeps") == true)
            // Bad input is refused before it is sent (usage, 64); a refusal by the daemon exits 65.
            #expect(
                try daemon.command(["add", "--match", #"{x=""}"#, "--for", "1h", "--comment", "c"]).status == EX_USAGE)
            #expect(
                try daemon.command(["add", "--match", #"{x="a"}"#, "--for", "40d", "--comment", "c"]).status
                    == EX_DATAERR)
            let unknown = try daemon.command(["expire", "no-such-id"])
            #expect(unknown.status == EX_DATAERR && unknown.standardError.contains("no silence no-such-id"))
            #expect(try daemon.command(["expire", second]).status == 0)
            try waitUntil("the 1 s silence over") { try !daemon.silences().contains { $0["id"] as? String == third } }
            // It is still in the file (nothing changed since), with its end in the past.
            let saved = try SilenceStore.decode(Data(contentsOf: state.appendingPathComponent("silences.json")))
            #expect(Set(saved.map(\.id)) == [first, third])
            #expect(try daemon.process.terminate().status == 0)
        }
        let restarted = try LoopbackDaemon(stateDirectory: state)
        let json = try restarted.command(["list", "--json"])
        let list = try #require(
            try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        #expect(list.map { $0["id"] as? String } == [first], "kept across the restart, the expired one dropped")
        #expect(list.first?["createdBy"] as? String == "tester" && list.first?["comment"] as? String == "kernel update")
        #expect(try restarted.command(["expire", first]).status == 0)
        #expect(try restarted.silences().isEmpty)
        // No daemon at the address: 69 and a message saying so.
        let away = try BuiltBinary.run(["silence", "list", "--http", "127.0.0.1:\(try unusedLoopbackPort())"])
        #expect(away.status == EX_UNAVAILABLE && away.standardError.contains("no daemon answers"))
    }
}

extension LoopbackDaemon {
    /// Polling the Alertmanagers at `urls` every `SilenceAlertmanagerTests.poll` seconds.
    fileprivate init(urls: [String] = [], stateDirectory: URL? = nil) throws {
        try self.init(
            configuration: """
                alertmanager:
                  urls: \(Self.yamlList(urls))
                  silence_poll: \(SilenceAlertmanagerTests.poll)
                  timeout: 2
                """,
            instance: "silence-test", stateDirectory: stateDirectory)
    }

    /// `GET /silences`, read with Python's urllib (a client written by others).
    fileprivate func silences() throws -> [[String: Any]] {
        try httpGetList(http, "/silences")
    }

    /// The built binary's `silence` command against this daemon.
    fileprivate func command(_ arguments: [String]) throws -> BuiltBinary.Outcome {
        try BuiltBinary.run(["silence"] + arguments + ["--http", http])
    }
}
