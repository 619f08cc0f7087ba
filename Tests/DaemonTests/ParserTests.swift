import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

private let now = 1_800_000_000.0

private func parse(
    _ text: String, _ format: PayloadFormat = .auto,
    precision: InfluxParser.Precision = .nanoseconds, maxKeyLength: Int = 1024
) -> ParseResult {
    var result = ParseResult()
    PayloadParser(format: format, maxKeyLength: maxKeyLength, influxPrecision: precision)
        .parse(Array(text.utf8)[...], now: now, into: &result)
    return result
}

private func pairs(_ result: ParseResult) -> [String] {
    result.samples.map { "\($0.key) \($0.value) \($0.timestamp)" }
}

@Suite("Series keys: one key, one series")
struct SeriesKeyRuleTests {
    @Test("Labels that differ only by a quote or = in a name are two series, never one; invalid names are mapped")
    func unambiguous() {
        let tricky = parse(#"{"series": "m", "labels": {"b=\"1\",c": "2"}, "value": 1}"#, .json)
        let plain = parse(#"{"series": "m", "labels": {"b": "1", "c": "2"}, "value": 1}"#, .json)
        #expect(tricky.samples.count == 1 && plain.samples.count == 1)
        #expect(tricky.samples.first?.key != plain.samples.first?.key)
        #expect(tricky.samples.first?.key == #"m{b__1__c="2"}"#)
        #expect(plain.samples.first?.key == #"m{b="1",c="2"}"#)
        let graphite = parse("disk.used;host-name=web-1;9zone=a 1 1700000000", .graphite)
        #expect(pairs(graphite) == [#"disk.used{_9zone="a",host_name="web-1"} 1.0 1700000000.0"#])
    }

    @Test("Two names that are one after mapping, an empty name, or a series name with a brace are refused as bad_name")
    func refused() {
        let cases: [(String, PayloadFormat)] = [
            (#"{"series": "m", "labels": {"host-name": "a", "host_name": "b"}, "value": 1}"#, .json),
            (#"{"series": "m", "labels": {"": "a"}, "value": 1}"#, .json),
            (#"{"series": "m{x=\"1\"}", "value": 1}"#, .json),
            ("a{b}.c 1 1700000000", .graphite),
            ("m,host-name=a,host_name=b v=1", .influx),
        ]
        for (payload, format) in cases {
            let result = parse(payload, format)
            #expect(result.samples.isEmpty && result.rejections[.badName] == 1, "\(payload)")
        }
    }
}

@Suite("Graphite plaintext")
struct GraphiteParserTests {
    @Test("Path, value and timestamp; absent or -1 timestamp means now")
    func basic() {
        let result = parse("servers.web01.cpu 42.5 1700000000\nservers.web02.cpu 7\r\nx.y -3e2 -1\n", .graphite)
        #expect(
            pairs(result) == [
                "servers.web01.cpu 42.5 1700000000.0", "servers.web02.cpu 7.0 \(now)",
                "x.y -300.0 \(now)",
            ])
        #expect(result.rejections.total == 0)
    }

    @Test("Tags become sorted labels")
    func tags() {
        let result = parse("cpu.user;host=web01;dc=eu 1 1700000000", .graphite)
        #expect(result.samples.map(\.key) == ["cpu.user{dc=\"eu\",host=\"web01\"}"])
    }

    @Test("Malformed lines are rejected by reason; the good lines beside them are kept")
    func malformedBesideGood() {
        let payload = """
            good.one 1 1700000000
            too many fields here 5
            not.a.number abc 1700000000
            not.finite nan 1700000000
            bad.time 4 yesterday
            ;host=x 1 1
            good.two 2 1700000001
            """
        let result = parse(payload, .graphite)
        #expect(result.samples.map(\.key) == ["good.one", "good.two"])
        #expect(result.rejections[.unparseable] == 3)
        #expect(result.rejections[.nonFiniteValue] == 1)
        #expect(result.rejections[.badTimestamp] == 1)
        #expect(result.rejections.firstProblem?.contains("too many fields here") == true)
        // Each reason keeps an example of its own, so a log line about one never shows another's.
        #expect(result.rejections.firstProblem(of: .unparseable)?.contains("too many fields here") == true)
        #expect(result.rejections.firstProblem(of: .nonFiniteValue)?.contains("not.finite") == true)
        #expect(result.rejections.firstProblem(of: .badTimestamp)?.contains("yesterday") == true)
        #expect(result.rejections.firstProblem(of: .outOfOrder) == nil)
    }

    @Test("A key over the length limit is rejected as such")
    func keyTooLong() {
        let result = parse("\(String(repeating: "a", count: 40)) 1 1\nshort 1 1", .graphite, maxKeyLength: 32)
        #expect(result.samples.map(\.key) == ["short"])
        #expect(result.rejections[.keyTooLong] == 1)
    }
}

@Suite("InfluxDB line protocol")
struct InfluxParserTests {
    @Test("Every numeric field is its own series, tags are labels, nanosecond timestamps")
    func basic() {
        let result = parse("cpu,host=web01 user=42.5,system=3i,io=7u 1700000000000000000", .influx)
        #expect(
            pairs(result) == [
                "cpu.user{host=\"web01\"} 42.5 1700000000.0",
                "cpu.system{host=\"web01\"} 3.0 1700000000.0",
                "cpu.io{host=\"web01\"} 7.0 1700000000.0",
            ])
    }

    @Test("Escapes, quoted strings with separators, booleans and comments")
    func escapesAndNonNumericFields() {
        let payload = """
            # a comment line
            my\\ load,tag\\,key=val\\ ue note="a, b c=d",up=true,n=1.5 1700000000000000000
            """
        let result = parse(payload, .influx)
        // The escaped comma is unescaped, then mapped: a label name is Prometheus' syntax.
        #expect(pairs(result) == ["my load.n{tag_key=\"val ue\"} 1.5 1700000000.0"])
        #expect(result.rejections.total == 0)
    }

    @Test("Timestamp precision is configurable; absent means now")
    func precision() {
        #expect(pairs(parse("m v=1 1700000000", .influx, precision: .seconds)) == ["m.v 1.0 1700000000.0"])
        #expect(
            pairs(parse("m v=1 1700000000123", .influx, precision: .milliseconds))
                == ["m.v 1.0 1700000000.123"])
        #expect(pairs(parse("m v=1", .influx)) == ["m.v 1.0 \(now)"])
    }

    @Test("Malformed lines are rejected by reason; the good lines beside them are kept")
    func malformedBesideGood() {
        let payload = """
            ok v=1 1700000000000000000
            nofields
            m,badtag v=1
            m v=abc
            m v=1 soon
            m v=nan
            ok2 v=2 1700000000000000000
            """
        let result = parse(payload, .influx)
        #expect(result.samples.map(\.key) == ["ok.v", "ok2.v"])
        #expect(result.rejections[.unparseable] == 4)
        #expect(result.rejections[.badTimestamp] == 1)
    }
}

@Suite("JSON samples")
struct JSONParserTests {
    @Test("One object with labels and numeric ts")
    func object() {
        let result = parse(#"{"series":"cpu.user","labels":{"host":"web01"},"ts":1700000000.5,"value":42.5}"#)
        #expect(pairs(result) == ["cpu.user{host=\"web01\"} 42.5 1700000000.5"])
    }

    @Test("An array keeps its good objects and rejects the bad ones by reason")
    func arrayWithBadElements() {
        let payload = """
            [{"series":"a","value":1,"ts":"2025-01-01T10:00:00Z"},
             {"series":"b"},
             {"series":"c","value":"NaN"},
             {"series":"d","value":2,"ts":"last tuesday"},
             7,
             {"series":"e","value":3}]
            """
        let result = parse(payload)
        #expect(pairs(result) == ["a 1.0 1735725600.0", "e 3.0 \(now)"])
        #expect(result.rejections[.unparseable] == 3)
        #expect(result.rejections[.badTimestamp] == 1)
    }

    @Test("One object per line, and a syntax error rejects only its line")
    func jsonLines() {
        let payload = """
            {"series":"a","value":1,"ts":1}
            {"series":"b","value":
            {"series":"c","value":3,"ts":3}
            """
        let result = parse(payload, .json)
        #expect(pairs(result) == ["a 1.0 1.0", "c 3.0 3.0"])
        #expect(result.rejections[.unparseable] == 1)
    }

    @Test("A broken array is one rejection, not a crash")
    func brokenArray() {
        let result = parse("[{\"series\":\"a\",\"value\":1}", .json)
        #expect(result.samples.isEmpty)
        #expect(result.rejections[.unparseable] == 1)
    }
}

@Suite("Format detection, series keys, timestamps")
struct IngestBasicsTests {
    @Test(
        "Auto-detection tells the three formats apart",
        arguments: [
            ("a.b.c 1 2", PayloadFormat.graphite),
            ("a.b;tag=x 1 2", .graphite),
            ("cpu,host=a user=1 2", .influx),
            ("my\\ m v=1", .influx),
            ("  {\"series\":\"a\",\"value\":1}", .json),
            ("\n[]", .json),
        ])
    func detection(payload: String, format: PayloadFormat) {
        #expect(PayloadParser.detect(Array(payload.utf8)[...]) == format)
    }

    @Test("Keys sort labels and escape values; fingerprints match an independent FNV-1a + SplitMix64")
    func keysAndFingerprints() throws {
        #expect(try SeriesKey.make(name: "m", labels: [("z", "1"), ("a", "q\"uote\\")]) == #"m{a="q\"uote\\",z="1"}"#)
        // Expected values computed with a few lines of Python, not with this code.
        #expect(SeriesKey.fingerprint(#"cpu.user{host="web01"}"#) == 0x2404_D9E7_9371_33A5)
        #expect(SeriesKey.fingerprint("servers.web01.cpu") == 0x6BCA_7219_F54F_2859)
        #expect(SeriesKey.fingerprint("") == 0xF52A_15E9_A9B5_E89B)
    }

    @Test(
        "RFC 3339 and NAB timestamps",
        arguments: [
            ("2025-01-01T10:00:00Z", 1_735_725_600.0),
            ("2025-01-01T12:00:00+02:00", 1_735_725_600),
            ("2025-01-01T10:00:00.25Z", 1_735_725_600.25),
            ("2014-02-14 14:27:00", 1_392_388_020),
            ("2014-02-14 14:27:00.000000", 1_392_388_020),
        ])
    func timestamps(text: String, seconds: Double) {
        #expect(Timestamps.parseRFC3339(text) == seconds)
    }

    @Test(
        "Impossible timestamps are refused",
        arguments: [
            "2025-13-01T00:00:00Z", "2025-01-01", "2025-01-01T10:00:00+2",
            "2025-01-01T10:00:00Zjunk", "yesterday",
        ])
    func badTimestamps(text: String) {
        #expect(Timestamps.parseRFC3339(text) == nil)
    }
}

@Suite("Numbers no metric has")
struct ImplausibleNumberTests {
    @Test("Timestamps in milliseconds or nanoseconds by mistake, or absurd, are bad_timestamp in every format")
    func implausibleTimestamps() {
        let graphite = parse(
            """
            cpu 1 1700000000000000000
            cpu 1 1e300
            cpu 1 -1e17
            cpu 1 1700000000000
            cpu 1 1700000000
            """, .graphite)
        #expect(pairs(graphite) == ["cpu 1.0 1700000000.0"])
        #expect(graphite.rejections[.badTimestamp] == 4)
        // Influx's nanoseconds are right; seconds-precision input with nanoseconds in it is not.
        let influx = parse("cpu v=1 1700000000000000000\ncpu v=2 1700000000000000000", .influx, precision: .seconds)
        #expect(influx.samples.isEmpty && influx.rejections[.badTimestamp] == 2)
        let json = parse(
            #"[{"series":"a","ts":1e300,"value":1},{"series":"a","ts":"9999-01-01T00:00:00Z","value":1},"#
                + #"{"series":"a","ts":1700000000,"value":1}]"#, .json)
        #expect(pairs(json) == ["a 1.0 1700000000.0"])
        #expect(json.rejections[.badTimestamp] == 2)
    }

    @Test("Values beyond 1e100 are value_out_of_range in every format; large ordinary ones pass")
    func hugeValues() {
        let graphite = parse("a 1e300 1700000000\nb -1e101 1700000000\nc 1e18 1700000000", .graphite)
        #expect(graphite.samples.map(\.key) == ["c"] && graphite.rejections[.valueOutOfRange] == 2)
        let influx = parse("m v=1e300 1700000000000000000", .influx)
        #expect(influx.samples.isEmpty && influx.rejections[.valueOutOfRange] == 1)
        let json = parse(#"{"series":"a","ts":1700000000,"value":-1e200}"#, .json)
        #expect(json.samples.isEmpty && json.rejections[.valueOutOfRange] == 1)
    }

    @Test(
        "Formatting a time never traps, whatever reached it", arguments: [1e300, -1e300, 1e17, -1e17, .nan, .infinity])
    func formattingNeverTraps(seconds: Double) {
        #expect(!rfc3339(seconds).isEmpty)
        var writer = JSONWriter()
        writer.number(nil, seconds)
        #expect(!writer.text.isEmpty)
    }
}
