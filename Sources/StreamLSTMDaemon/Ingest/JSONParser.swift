import Foundation
import StreamLSTMVocabulary

/// JSON samples: `{"series":"cpu.user","labels":{"host":"web01"},"ts":1700000000.5,"value":42.5}`,
/// an array of such objects, or one object per line. `ts` is unix seconds or
/// RFC 3339; absent means now. A bad object is rejected alone; the others in
/// the same payload still count.
package struct JSONParser {
    package init(maxKeyLength: Int) {
        self.maxKeyLength = maxKeyLength
    }

    package var maxKeyLength: Int

    package func parse(_ payload: ArraySlice<UInt8>, now: Double, into result: inout ParseResult) {
        let decoder = JSONDecoder()
        let data = Data(payload)
        if payload.first(where: { !Self.isSpace($0) }) == UInt8(ascii: "[") {
            guard let records = try? decoder.decode([Record].self, from: data) else {
                result.rejections.add(.unparseable, "json: payload is not a valid JSON array: \(quoted(payload))")
                return
            }
            for record in records { add(record, now: now, into: &result) }
        } else if let record = try? decoder.decode(Record.self, from: data) {
            add(record, now: now, into: &result)
        } else {
            // One object per line (JSON Lines / NDJSON).
            for line in Lines(payload) {
                guard let record = try? decoder.decode(Record.self, from: Data(line)) else {
                    result.rejections.add(.unparseable, "json: not a JSON object: \(quoted(line))")
                    continue
                }
                add(record, now: now, into: &result)
            }
        }
    }

    private func add(_ record: Record, now: Double, into result: inout ParseResult) {
        switch record.outcome {
        case .rejected(let reason, let problem):
            result.rejections.add(reason, "json: \(problem)")
        case .sample(let name, let labels, let timestamp, let value):
            guard
                let key = SampleChecks.key(
                    name: name, labels: labels, maxKeyLength: maxKeyLength, format: "json", &result.rejections)
            else { return }
            result.samples.append(Sample(key: key, timestamp: timestamp ?? now, value: value))
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\t")
    }

    /// One JSON object, decoded without throwing, so that one bad object in
    /// an array does not take the others with it.
    package struct Record: Decodable {
        package enum Outcome {
            case sample(name: String, labels: [(String, String)], timestamp: Double?, value: Double)
            case rejected(RejectReason, String)
        }

        package let outcome: Outcome

        private enum Keys: String, CodingKey {
            case series, labels, ts, value
        }

        package init(from decoder: Decoder) throws {
            guard let object = try? decoder.container(keyedBy: Keys.self) else {
                outcome = .rejected(.unparseable, "an element is not an object")
                return
            }
            guard let name = try? object.decode(String.self, forKey: .series), !name.isEmpty else {
                outcome = .rejected(.unparseable, "missing or empty \"series\"")
                return
            }
            guard let value = try? object.decode(Double.self, forKey: .value) else {
                outcome = .rejected(.unparseable, "\"value\" of \(name) is missing or not a number")
                return
            }
            var labels: [(String, String)] = []
            if object.contains(.labels) {
                guard let map = try? object.decode([String: String].self, forKey: .labels) else {
                    outcome = .rejected(.unparseable, "\"labels\" of \(name) is not an object of strings")
                    return
                }
                labels = map.map { ($0.key, $0.value) }
            }
            var timestamp: Double?
            if object.contains(.ts), !((try? object.decodeNil(forKey: .ts)) ?? false) {
                if let seconds = try? object.decode(Double.self, forKey: .ts) {
                    timestamp = seconds
                } else if let text = try? object.decode(String.self, forKey: .ts),
                    let seconds = Timestamps.parseRFC3339(text)
                {
                    timestamp = seconds
                }
                guard let seconds = timestamp, SampleChecks.isPlausible(timestamp: seconds) else {
                    outcome = .rejected(
                        .badTimestamp,
                        "\"ts\" of \(name) is neither unix seconds nor RFC 3339 in 1900-2200")
                    return
                }
            }
            if let problem = SampleChecks.valueProblem(value) {
                outcome = .rejected(problem, "value \(value) refused for \(name)")
                return
            }
            outcome = .sample(name: name, labels: labels, timestamp: timestamp, value: value)
        }
    }
}
