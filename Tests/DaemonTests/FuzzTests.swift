import Foundation
import StreamLSTM
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Seeded random and crafted input in every format against the built daemon,
/// while one control series carries a spike that must still be found.
@Suite("Fuzzing the inputs of the built daemon")
struct FuzzTests {
    /// Numbers a careless or hostile producer sends: any bit pattern, the edges, words that are not numbers.
    static func number(_ rng: inout SplitMix64) -> String {
        switch rng.next() % 8 {
        case 0: return "\(Double(bitPattern: rng.next()))"  // anything, NaN and infinities included
        case 1:
            return ["nan", "inf", "-inf", "NaN", "1e300", "-1e300", "1e-320", "0x1p3", "", "-", "1e", "١٢"][
                Int(rng.next() % 12)]
        case 2: return "\(Int64(bitPattern: rng.next()))"
        case 3: return "\(Double(rng.next() % 2_000_000_000_000_000_000))"  // seconds, milliseconds, nanoseconds
        default: return "\(Double(Int64(rng.next() % 2_000_000)) / 7)"
        }
    }

    static func name(_ rng: inout SplitMix64) -> String {
        let pieces = [
            "fuzz.a", "fuzz.b;tag=x", "fuzz,c=d", "fuzz\u{0}", "fuzz\u{FFFD}", "f;=;", "f u z z", "", "{\"", "é.ü",
        ]
        return pieces[Int(rng.next() % UInt64(pieces.count))] + "\(rng.next() % 50)"
    }

    static func payload(_ rng: inout SplitMix64) -> [UInt8] {
        let lines = 1 + Int(rng.next() % 20)
        switch rng.next() % 5 {
        case 0:  // Graphite
            return Array(
                (0..<lines).map { _ in "\(name(&rng)) \(number(&rng)) \(number(&rng))" }.joined(separator: "\n").utf8)
        case 1:  // InfluxDB line protocol
            return Array(
                (0..<lines).map { _ in "\(name(&rng)),host=h v=\(number(&rng)),w=\(number(&rng))i \(number(&rng))" }
                    .joined(separator: "\n").utf8)
        case 2:  // JSON, objects and arrays, some nested deep
            let objects = (0..<lines).map { _ in
                #"{"series":"\#(name(&rng))","ts":\#(number(&rng)),"value":\#(number(&rng)),"labels":{"k":"v"}}"#
            }
            let depth = Int(rng.next() % 3 == 0 ? rng.next() % 5000 : 0)
            return Array(
                (String(repeating: "[", count: depth) + "[" + objects.joined(separator: ",") + "]"
                    + String(repeating: "]", count: depth)).utf8)
        case 3:  // binary
            return (0..<Int(rng.next() % 4096)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        default:  // text cut at a random byte, invalid UTF-8 spliced in
            var bytes = Array("\(name(&rng)) \(number(&rng)) \(number(&rng))\n{\"series\":\"x\",\"value\":".utf8)
            bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: Int(rng.next() % UInt64(bytes.count)))
            return Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))))
        }
    }

    @Test(
        "Random and crafted input in all formats: the daemon stays up, serves, counts by reason, and the control spike alerts"
    )
    func fuzzInputs() throws {
        let daemon = try RunningDaemon.onLoopback(["--http", "127.0.0.1:0"])
        let endpoints = try daemon.loopbackEndpoints(ready: false)
        let (input, alertsEndpoint, http) = (endpoints.input, endpoints.alerts, endpoints.http)
        let received = Protected<[ReceivedAlert]>([])
        let subscriber = try AlertSubscriber(endpoint: alertsEndpoint) { alert in received.withLock { $0.append(alert) }
        }
        defer { subscriber.stop() }

        let producer = try Producer(connect: input)

        var rng = SplitMix64(seed: 2026)
        let spikeAt = 400
        let start = 1_700_000_000.0
        var messages = 0
        let began = Date()
        for t in 0..<500 {
            // The control series, in order, one sample a minute; a spike at sample 400.
            let value = 50 + 10 * sin(2 * Double.pi * Double(t) / 40) + (t == spikeAt ? 120 : 0)
            try producer.send([Array("metrics".utf8), Array("control.spike \(value) \(Int(start) + 60 * t)".utf8)])
            // Between two control samples, junk: single frames, multi-frame messages, empty ones.
            for _ in 0..<Int(rng.next() % 5) {
                let frames = Int(rng.next() % 4)
                try producer.send((0..<frames).map { _ in Self.payload(&rng) } + [Self.payload(&rng)])
                messages += 1
            }
            // A bound on a slow machine, not a pass condition.
            guard Date().timeIntervalSince(began) < 40 else { break }
        }
        try waitUntil("the control spike alerted", timeout: 30) {
            received.withLock { $0 }.contains { $0.series == "control.spike" && $0.status == "firing" }
        }
        let firstAlert = try #require(received.withLock { $0 }.first { $0.series == "control.spike" })
        #expect(firstAlert.sampleTime == start + 60 * Double(spikeAt), "the control series alerted off its spike")
        #expect(daemon.process.isRunning, "the daemon died: \(daemon.log.suffix(2000))")

        let series = try seriesList(http)
        #expect(series.first { $0.key == "control.spike" }?.samples == 500)
        let metrics = try MetricsPage.read(http)
        func count(_ reason: String) -> Double {
            metrics.value("streamlstmd_rejected_total", [#"reason="\#(reason)""#])
        }
        print(
            "fuzz: \(messages) junk messages; rejected "
                + [
                    "unparseable", "non_finite_value", "value_out_of_range",
                    "bad_timestamp", "key_too_long", "oversized_message",
                ].map { "\($0) \(Int(count($0)))" }.joined(separator: ", "))
        for reason in ["unparseable", "non_finite_value", "value_out_of_range", "bad_timestamp"] {
            #expect(count(reason) > 0, "no rejection counted as \(reason)")
        }
        producer.close()
        #expect(try daemon.terminate().status == 0)
    }
}
