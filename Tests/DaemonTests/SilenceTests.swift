import Foundation
import StreamLSTM
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Matchers, selectors, durations and requests: the parts of silences that need no daemon.
@Suite("Silences: matchers and selectors")
struct SilenceTests {
    typealias Labels = [(name: String, value: String)]

    static func matcher(_ text: String) throws -> SilenceMatcher {
        let parsed = try SelectorParser.parse(text)
        try #require(parsed.count == 1)
        return parsed[0]
    }

    @Test(
        "Each operator as Alertmanager has it; a missing label is the empty string",
        arguments: [
            // (matcher, value of host or nil for a set without it, matches)
            (#"host="web01""#, "web01", true), (#"host="web01""#, "web011", false), (#"host="web01""#, nil, false),
            (#"host!="web01""#, "web01", false), (#"host!="web01""#, "web02", true), (#"host!="web01""#, nil, true),
            (#"host="""#, nil, true), (#"host="""#, "x", false), (#"host!="""#, nil, false),
            (#"host=~"web.*""#, "web01", true), (#"host=~"web.*""#, "xweb01", false),
            (#"host=~"web""#, "web01", false), (#"host=~".*""#, nil, true), (#"host=~".+""#, nil, false),
            (#"host!~"web.*""#, "web01", false), (#"host!~"web.*""#, "db1", true), (#"host!~"web.*""#, nil, true),
            // The whole value, with alternatives: ^(?:a|ab)$ matches "ab" although "a" comes first.
            (#"host=~"a|ab""#, "ab", true), (#"host=~"a|ab""#, "abc", false),
            // ICU's $ would match before a final line break; Alertmanager's (Go's) does not.
            (#"host=~"web""#, "web\n", false), (#"host=~"(?i)WEB\\d+""#, "web12", true),
        ] as [(String, String?, Bool)])
    func operators(_ text: String, _ host: String?, _ expected: Bool) throws {
        let matcher = try Self.matcher(text)
        let labels: Labels = [("alertname", "MetricAnomaly")] + (host.map { [("host", $0)] } ?? [])
        #expect(matcher.matches(labels) == expected, "\(text) on host=\(host ?? "<none>")")
    }

    @Test("Selectors: escapes, spaces, optional braces, a trailing comma; printed back in the same syntax")
    func selectors() throws {
        let parsed = try SelectorParser.parse(#" { host = "we\"b\\01\n" ,job=~"api.*", env!="prod", x!~"y", } "#)
        #expect(parsed.map(\.name) == ["host", "job", "env", "x"])
        #expect(parsed.map(\.op) == [.equal, .matchesRegex, .notEqual, .notMatchesRegex])
        #expect(parsed[0].value == "we\"b\\01\n")
        #expect(parsed.selector == #"{host="we\"b\\01\n", job=~"api.*", env!="prod", x!~"y"}"#)
        #expect(try SelectorParser.parse(parsed.selector) == parsed)
        #expect(try SelectorParser.parse(#"host="a""#) == SelectorParser.parse(#"{host="a"}"#))
        #expect(try SelectorParser.parse("{}").isEmpty)
    }

    @Test(
        "Malformed selectors are refused with a message that says what was expected",
        arguments: [
            (#"{host="web01""#, "\",\" or \"}\""), (#"{host=web01}"#, "double-quoted value"),
            (#"{host=="a"}"#, "double-quoted value"), (#"{host~"a"}"#, "one of = != =~ !~"),
            (#"{="a"}"#, "a label name"), (#"{1host="a"}"#, "not a label name"), (#"{host="a\d"}"#, "backslash"),
            (#"{host="a}"#, "closing quote"), (#"{host="a"} x"#, "the end"), (#"{host=~"("}"#, "regular expression"),
            (#"{host="a",,}"#, "a label name"), (#"{hóst="a"}"#, "one of = != =~ !~"),
        ])
    func malformed(_ text: String, _ expected: String) {
        #expect {
            _ = try SelectorParser.parse(text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test("Alertmanager's rule: matchers a series without those labels satisfies make no silence")
    func matchesEverything() throws {
        #expect(try SelectorParser.parse("{}").problem != nil)
        #expect(try SelectorParser.parse(#"{x=""}"#).problem != nil)
        #expect(try SelectorParser.parse(#"{host!="web01"}"#).problem != nil)
        #expect(try SelectorParser.parse(#"{host=~".*", job!~"x"}"#).problem != nil)
        #expect(try SelectorParser.parse(#"{host!="web01", job=~".+"}"#).problem == nil)
        #expect(try SelectorParser.parse(#"{host="web01"}"#).problem == nil)
    }

    @Test(
        "Fuzzing the selector parser: random bytes and mutated selectors never crash; what parses prints back the same")
    func fuzzSelectors() throws {
        var rng = SplitMix64(seed: 2026)
        let seeds = [
            #"{host="web01", job=~"api.*", env!="prod"}"#, #"{a!~"x|y\"z", b="\\\n"}"#, #"c=~"(?i)[a-z]+\d""#,
        ]
        let alphabet = Array(#"{}=!~",\ n"a_1.*()[]|?+"#.unicodeScalars) + ["\u{0}", "é", "\u{FFFD}"]
        var parsed = 0
        var refused = 0
        for round in 0..<4000 {
            var text: String
            if round % 2 == 0 {
                let bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                var scalars = Array(seeds[Int(rng.next() % UInt64(seeds.count))].unicodeScalars)
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let at = Int(rng.next() % UInt64(scalars.count + 1))
                    let scalar = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    switch rng.next() % 3 {
                    case 0: scalars.insert(scalar, at: at)
                    case 1: if at < scalars.count { scalars.remove(at: at) }
                    default: if at < scalars.count { scalars[at] = scalar }
                    }
                }
                text = String(String.UnicodeScalarView(scalars))
            }
            do throws(SilenceError) {
                let matchers = try SelectorParser.parse(text)
                parsed += 1
                // What parses is printed back in the same syntax and parses to the same matchers.
                #expect(try SelectorParser.parse(matchers.selector) == matchers, "\(text.debugDescription)")
            } catch {
                refused += 1
                #expect(!error.description.isEmpty && !error.description.contains("\n"))
            }
        }
        #expect(parsed > 100 && refused > 100, "both outcomes exercised: \(parsed) parsed, \(refused) refused")
    }

    @Test("Alertmanager's matcher JSON: isEqual defaults to true; a bad regex or a missing field is refused")
    func alertmanagerJSON() throws {
        let list: [Any] = [
            ["name": "host", "value": "web.*", "isRegex": true],
            ["name": "env", "value": "prod", "isRegex": false, "isEqual": false],
        ]
        let matchers = try SilenceJSON.matchers(list)
        #expect(matchers.selector == #"{host=~"web.*", env!="prod"}"#)
        let data = Data(SilenceJSON.matchers(matchers).utf8)
        #expect(try SilenceJSON.matchers(JSONSerialization.jsonObject(with: data)) == matchers)
        #expect(throws: SilenceError.self) {
            try SilenceJSON.matchers([["name": "a", "value": "(", "isRegex": true]])
        }
        #expect(throws: SilenceError.self) { try SilenceJSON.matchers([["name": "a", "value": "b"]]) }
        // isRegex must be a boolean: JSON's 1 is a number.
        let numeric = try JSONSerialization.jsonObject(with: Data(#"[{"name":"a","value":"b","isRegex":1}]"#.utf8))
        #expect(throws: SilenceError.self) { try SilenceJSON.matchers(numeric) }
    }

    @Test("Alertmanager's GET /api/v2/silences reply: active and pending kept, expired left out, garbage refused")
    func alertmanagerReply() throws {
        let reply = """
            [{"id":"a","status":{"state":"active"},"matchers":[{"name":"host","value":"web01","isRegex":false,"isEqual":true}],
              "startsAt":"2025-01-01T10:00:00.125Z","endsAt":"2025-01-01T12:00:00Z","createdBy":"ops","comment":"c",
              "updatedAt":"2025-01-01T10:00:00Z"},
             {"id":"p","status":{"state":"pending"},"matchers":[{"name":"job","value":"api.*","isRegex":true}],
              "startsAt":"2025-01-02T10:00:00Z","endsAt":"2025-01-02T12:00:00Z","createdBy":"ops","comment":"later"},
             {"id":"e","status":{"state":"expired"},"matchers":[{"name":"host","value":"x","isRegex":false}],
              "startsAt":"2024-01-01T10:00:00Z","endsAt":"2024-01-01T12:00:00Z","createdBy":"ops","comment":"old"},
             {"id":"bad","status":{"state":"active"},"matchers":[{"name":"host","value":"(x","isRegex":true}],
              "startsAt":"2025-01-01T10:00:00Z","endsAt":"2025-01-01T12:00:00Z","createdBy":"ops","comment":"broken"}]
            """
        let (silences, problems) = try SilenceJSON.alertmanagerSilences(Data(reply.utf8), from: "http://am")
        #expect(silences.map(\.id) == ["a", "p"] && problems.count == 1 && problems[0].contains("bad"))
        #expect(silences[0].startsAt == 1_735_725_600.125 && silences[0].source == .alertmanager("http://am"))
        #expect(silences[1].matchers.selector == #"{job=~"api.*"}"#)
        for garbage in ["not json", "{}", #"[{"id":"x"}]"#, "[1]"] {
            #expect(throws: SilenceError.self) { try SilenceJSON.alertmanagerSilences(Data(garbage.utf8), from: "u") }
        }
    }

    @Test(
        "Durations as operators type them",
        arguments: [("90s", 90.0), ("15m", 900), ("2h", 7200), ("1d", 86_400), ("1h30m", 5400), ("1.5h", 5400)])
    func durations(_ text: String, _ seconds: Double) throws {
        #expect(try SilenceDuration.parse(text) == seconds)
    }

    @Test(
        "Durations without a unit or with an unknown one are refused",
        arguments: ["90", "", "2x", "h", "1h30", "-1h", "1e3s"])
    func badDurations(_ text: String) {
        #expect(throws: SilenceError.self) { try SilenceDuration.parse(text) }
    }

    @Test("POST /silences bodies: selector or matcher list, for or endsAt, times in seconds or RFC 3339")
    func requests() throws {
        let now = 1_700_000_000.0
        let a = try SilenceRequest.parse(
            Array(#"{"matchers":"{host=\"web01\"}","for":"2h","comment":"kernel","createdBy":"ops"}"#.utf8), now: now)
        #expect(a.endsAt == now + 7200 && a.startsAt == nil && a.createdBy == "ops")
        let b = try SilenceRequest.parse(
            Array(
                #"{"matchers":[{"name":"host","value":"web01","isRegex":false}],"startsAt":"2023-11-14T22:13:20Z","endsAt":1700003600,"comment":"c"}"#
                    .utf8), now: now)
        #expect(b.startsAt == now && b.endsAt == now + 3600 && b.createdBy == "unknown" && b.matchers == a.matchers)
        for (body, expected) in [
            ("not json", "JSON object"), (#"{"matchers":"{host=\"a\"}","comment":"c"}"#, "\"for\""),
            (#"{"matchers":"{host=\"a\"}","for":60,"endsAt":1,"comment":"c"}"#, "not both"),
            (#"{"matchers":"{host=\"a\"}","for":0,"comment":"c"}"#, "> 0"),
            (#"{"matchers":"{host=\"a\"}","for":-5,"comment":"c"}"#, "> 0"),
            (#"{"matchers":"{host=\"a\"}","for":60,"comment":" "}"#, "comment"),
            (#"{"matchers":"{host=\"a\"}","for":60,"comment":"c","until":1}"#, "unknown field \"until\""),
            (#"{"matchers":"{host=a}","for":60,"comment":"c"}"#, "selector"),
            (#"{"matchers":"{host=\"a\"}","for":"soon","comment":"c"}"#, "not a duration"),
            (#"{"matchers":"{host=\"a\"}","endsAt":"tomorrow","comment":"c"}"#, "endsAt"),
        ] {
            #expect {
                _ = try SilenceRequest.parse(Array(body.utf8), now: now)
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }

    @Test("A payload's labels keep the series' own names, clashes renamed label_<name>")
    func alertLabels() {
        let series = SeriesIdentity(key: #"cpu.user{host="web01",instance="x",severity="s"}"#)
        let alerting = series.alertLabels(severity: .critical, instance: "node-1")
        #expect(
            alerting.map(\.name) == [
                "alertname", "series", "metric", "host", "label_instance", "label_severity", "severity", "instance",
            ])
    }

    @Test("Silences match the labels Alertmanager gets: valid names, no severity, so both mute the same series")
    func silenceLabels() throws {
        let series = SeriesIdentity(key: #"cpu.user{host.name="web01",instance="x"}"#)
        let labels = AlertmanagerAlert.labels(of: series, severity: nil, instance: "node-1")
        #expect(labels.map(\.name) == ["alertname", "host_name", "instance", "label_instance", "metric", "series"])
        let matchers = try SelectorParser.parse(#"{host_name="web01"}"#)
        #expect(matchers.allSatisfy { $0.matches(labels) })
    }
}
