import StreamLSTMVocabulary

/// InfluxDB line protocol:
/// `measurement[,tag=value...] field=value[,field=value...] [timestamp]`.
///
/// Every numeric field (float, `123i`, `123u`) is its own series,
/// `measurement.field{tags}`. Boolean and string fields are not metrics and
/// are skipped without complaint. Backslash escapes follow the protocol:
/// `\,` `\ ` in measurements, also `\=` in tag and field keys and tag
/// values; string field values are double-quoted with `\"` and `\\`.
package struct InfluxParser {
    /// Unit of the line timestamps.
    package enum Precision: String, CaseIterable, Sendable {
        case nanoseconds = "ns"
        case microseconds = "us"
        case milliseconds = "ms"
        case seconds = "s"

        /// Divided by, not multiplied with the reciprocal: 1700000000123 ms is then 1700000000.123 exactly as printed.
        package var unitsPerSecond: Double {
            switch self {
            case .nanoseconds: 1e9
            case .microseconds: 1e6
            case .milliseconds: 1e3
            case .seconds: 1
            }
        }
    }

    package var maxKeyLength: Int
    package var precision: Precision = .nanoseconds

    package func parse(_ payload: ArraySlice<UInt8>, now: Double, into result: inout ParseResult) {
        for line in Lines(payload) where line.first(where: { $0 != UInt8(ascii: " ") }) != UInt8(ascii: "#") {
            parseLine(line, now: now, into: &result)
        }
    }

    package func parseLine(_ line: ArraySlice<UInt8>, now: Double, into result: inout ParseResult) {
        var scanner = Scanner(line)
        // Measurement and tags: up to the first unescaped space.
        let series = scanner.token(until: [UInt8(ascii: " ")], quotes: false)
        let seriesParts = split(series, at: UInt8(ascii: ","))
        guard let measurement = seriesParts.first.map(unescape), !measurement.isEmpty else {
            result.rejections.add(.unparseable, "influx: no measurement in \(quoted(line))")
            return
        }
        var tags: [(String, String)] = []
        for tag in seriesParts.dropFirst() {
            guard let (key, value) = keyValue(tag), !key.isEmpty, !value.isEmpty else {
                result.rejections.add(.unparseable, "influx: bad tag in \(quoted(line))")
                return
            }
            tags.append((unescape(key), unescape(value)))
        }
        guard scanner.skip(UInt8(ascii: " ")) else {
            result.rejections.add(.unparseable, "influx: no fields in \(quoted(line))")
            return
        }
        let fieldSet = scanner.token(until: [UInt8(ascii: " ")], quotes: true)
        var timestamp = now
        if scanner.skip(UInt8(ascii: " ")) {
            let text = String(decoding: scanner.rest, as: UTF8.self)
            guard let units = Int64(text), SampleChecks.isPlausible(timestamp: Double(units) / precision.unitsPerSecond)
            else {
                result.rejections.add(.badTimestamp, "influx: bad timestamp in \(quoted(line))")
                return
            }
            timestamp = Double(units) / precision.unitsPerSecond
        }
        var numeric: [(String, Double)] = []
        for field in split(fieldSet, at: UInt8(ascii: ","), quotes: true) {
            guard let (key, raw) = keyValue(field), !key.isEmpty, !raw.isEmpty else {
                result.rejections.add(.unparseable, "influx: bad field in \(quoted(line))")
                return
            }
            switch fieldValue(raw) {
            case .number(let value): numeric.append((unescape(key), value))
            case .notANumber: continue
            case .invalid:
                result.rejections.add(.unparseable, "influx: bad field value in \(quoted(line))")
                return
            }
        }
        for (field, value) in numeric {
            guard
                let key = SampleChecks.key(
                    name: measurement + "." + field, labels: tags, maxKeyLength: maxKeyLength, format: "influx",
                    &result.rejections)
            else { continue }
            if let problem = SampleChecks.valueProblem(value) {
                result.rejections.add(problem, "influx: value \(value) refused for \(key)")
                continue
            }
            result.samples.append(Sample(key: key, timestamp: timestamp, value: value))
        }
    }

    private enum FieldValue {
        case number(Double)
        case notANumber, invalid
    }

    private func fieldValue(_ raw: ArraySlice<UInt8>) -> FieldValue {
        if raw.first == UInt8(ascii: "\"") {
            return raw.count >= 2 && raw.last == UInt8(ascii: "\"") ? .notANumber : .invalid
        }
        let text = String(decoding: raw, as: UTF8.self)
        switch text {
        case "t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE": return .notANumber
        default: break
        }
        if text.hasSuffix("i") { return Int64(text.dropLast()).map { .number(Double($0)) } ?? .invalid }
        if text.hasSuffix("u") { return UInt64(text.dropLast()).map { .number(Double($0)) } ?? .invalid }
        // The protocol's floats are plain decimals: no "nan" or "inf" words.
        guard text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true,
            let value = Double(text)
        else { return .invalid }
        return .number(value)
    }

    /// Splits at unescaped separators (and, with `quotes`, not inside a quoted string).
    private func split(_ bytes: ArraySlice<UInt8>, at separator: UInt8, quotes: Bool = false) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var scanner = Scanner(bytes)
        repeat {
            parts.append(scanner.token(until: [separator], quotes: quotes))
        } while scanner.skip(separator)
        return parts
    }

    private func keyValue(_ pair: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>)? {
        var scanner = Scanner(pair)
        let key = scanner.token(until: [UInt8(ascii: "=")], quotes: false)
        guard scanner.skip(UInt8(ascii: "=")) else { return nil }
        return (key, scanner.rest)
    }

    private func unescape(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        var escaped = false
        for byte in bytes {
            if !escaped && byte == UInt8(ascii: "\\") {
                escaped = true
                continue
            }
            if escaped && ![UInt8(ascii: ","), UInt8(ascii: " "), UInt8(ascii: "="), UInt8(ascii: "\\")].contains(byte)
            {
                out.append(UInt8(ascii: "\\"))  // not an escape the protocol knows: keep the backslash
            }
            out.append(byte)
            escaped = false
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads tokens up to unescaped (and, optionally, unquoted) stop bytes.
    private struct Scanner {
        package private(set) var rest: ArraySlice<UInt8>

        package init(_ bytes: ArraySlice<UInt8>) {
            rest = bytes
        }

        package mutating func token(until stops: [UInt8], quotes: Bool) -> ArraySlice<UInt8> {
            var index = rest.startIndex
            var inQuotes = false
            while index < rest.endIndex {
                let byte = rest[index]
                if byte == UInt8(ascii: "\\") {
                    index = rest.index(index, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex
                    continue
                }
                if quotes && byte == UInt8(ascii: "\"") { inQuotes.toggle() }
                if !inQuotes && stops.contains(byte) { break }
                index += 1
            }
            let token = rest[rest.startIndex..<index]
            rest = rest[index...]
            return token
        }

        package mutating func skip(_ byte: UInt8) -> Bool {
            guard rest.first == byte else { return false }
            rest = rest.dropFirst()
            return true
        }
    }
}
